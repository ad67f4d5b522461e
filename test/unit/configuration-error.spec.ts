import {
  CorsConfigurationError,
  formatProblem,
  type CorsConfigurationProblem,
} from '../../lib/policy/configuration-error.js';

const invalidOrigin: CorsConfigurationProblem = {
  location: 'OrdersController.remove',
  field: 'origins[0]',
  code: 'origin_invalid',
  message: "'https://a.example.com/' is not an origin: an origin has no trailing slash",
};
const unknownOption: CorsConfigurationProblem = {
  location: 'CorsModule',
  field: 'enforced',
  code: 'option_unknown',
  message: 'unknown module option',
};

describe('formatProblem', () => {
  it('says where, which field and what is wrong, on one line', () => {
    expect(formatProblem(invalidOrigin)).toBe(
      "OrdersController.remove › origins[0]: 'https://a.example.com/' is not an origin: an origin has no trailing slash",
    );
  });
});

describe('CorsConfigurationError', () => {
  it.each([
    [
      'one problem',
      [invalidOrigin],
      'Invalid CORS configuration (1 problem):\n' +
        "  - OrdersController.remove › origins[0]: 'https://a.example.com/' is not an origin: an origin has no trailing slash",
    ],
    [
      'every problem, one per line',
      [invalidOrigin, unknownOption],
      'Invalid CORS configuration (2 problems):\n' +
        "  - OrdersController.remove › origins[0]: 'https://a.example.com/' is not an origin: an origin has no trailing slash\n" +
        '  - CorsModule › enforced: unknown module option',
    ],
  ])('lists %s in its message', (_name, problems, message) => {
    const error = new CorsConfigurationError(problems);
    expect(error.message).toBe(message);
    expect(error.problems).toBe(problems);
    expect(error.name).toBe('CorsConfigurationError');
    expect(error).toBeInstanceOf(Error);
  });
});
