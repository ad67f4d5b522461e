import {
  appendVary,
  RecordedHeaders as Headers,
  writeAllowedPreflight,
  writeAllowedResponse,
  type HeaderSink,
} from '../../lib/policy/response-headers.js';
import { compilePolicy } from '../support/policies.js';

const partners = compilePolicy({
  origins: ['https://app.example.com'],
  credentials: true,
  maxAge: 600,
  methods: ['GET', 'POST', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
  exposedHeaders: ['X-Total-Count'],
});
const open = compilePolicy({ origins: '*', allowedHeaders: '*', exposedHeaders: '*' });

describe('response headers', () => {
  it('answers an allowed credentialed preflight with the origin, the requested method and the max age', () => {
    const headers = new Headers();
    writeAllowedPreflight(partners, 'https://app.example.com', 'DELETE', false, headers);
    expect(headers.toJSON()).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'DELETE',
      'access-control-allow-headers': 'Content-Type, Authorization, X-Request-Id',
      'access-control-max-age': '600',
    });
  });

  it('sends Expose-Headers on actual responses, never Max-Age', () => {
    const headers = new Headers();
    writeAllowedResponse(partners, 'https://app.example.com', headers);
    expect(headers.toJSON()).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Total-Count',
    });
  });

  it('answers * for a credential-less wildcard policy, even without Origin', () => {
    const headers = new Headers();
    writeAllowedResponse(open, undefined, headers);
    expect(headers.getHeader('access-control-allow-origin')).toBe('*');
    expect(open.variesByOrigin).toBe(false);
    expect(partners.variesByOrigin).toBe(true);
  });

  it('writes nothing for an origin-dependent policy when the request has no Origin', () => {
    const headers = new Headers();
    writeAllowedResponse(partners, undefined, headers);
    expect(headers.toJSON()).toEqual({});
  });

  it('appends to Vary without duplicating or dropping what is there', () => {
    const headers = new Headers();
    headers.setHeader('Vary', 'Accept-Encoding, origin');
    appendVary(headers, 'Origin, Access-Control-Request-Method');
    expect(headers.getHeader('vary')).toBe('Accept-Encoding, origin, Access-Control-Request-Method');
  });

  it('leaves Vary: * alone', () => {
    const headers = new Headers();
    headers.setHeader('Vary', '*');
    appendVary(headers, 'Origin');
    expect(headers.getHeader('vary')).toBe('*');
  });
});

describe('writeAllowedPreflight', () => {
  it.each([
    [
      'a policy of any origin and any header',
      false,
      {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'PUT',
        'access-control-allow-headers': '*',
      },
    ],
    [
      'a preflight asking for private network access',
      true,
      {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'PUT',
        'access-control-allow-headers': '*',
        'access-control-allow-private-network': 'true',
      },
    ],
  ])('answers %s', (_name, privateNetwork, expected) => {
    const headers = new Headers();
    writeAllowedPreflight(open, 'https://app.example.com', 'PUT', privateNetwork, headers);
    expect(headers.toJSON()).toEqual(expected);
  });
});

/** A sink holding `Vary` as Node does: one value, or several after `setHeader('vary', [...])`. */
function varySink(current: string | string[] | undefined): HeaderSink & { readonly vary: () => unknown } {
  let vary = current;
  return {
    setHeader: (_name: string, value: string) => (vary = value),
    getHeader: () => vary,
    removeHeader: () => (vary = undefined),
    vary: () => vary,
  };
}

describe('appendVary', () => {
  it.each([
    ['no Vary yet', undefined, 'Origin', 'Origin'],
    ['an empty Vary', '', 'Origin', 'Origin'],
    ['another name', 'Accept-Encoding', 'Origin', 'Accept-Encoding, Origin'],
    ['the name in another case', 'origin', 'Origin', 'origin'],
    ['some of the names', 'Origin', 'Origin, Access-Control-Request-Method', 'Origin, Access-Control-Request-Method'],
    ['Vary: *', ' * ', 'Origin', ' * '],
    [
      'several Vary values',
      ['Accept-Encoding', 'Accept-Language'],
      'Origin',
      'Accept-Encoding, Accept-Language, Origin',
    ],
  ])('adds what is missing to %s', (_name, current, value, expected) => {
    const sink = varySink(current);
    appendVary(sink, value);
    expect(sink.vary()).toEqual(expected);
  });
});

describe('RecordedHeaders', () => {
  it('records names in lowercase, reads them in any case, and forgets removed ones', () => {
    const headers = new Headers();
    headers.setHeader('Access-Control-Allow-Origin', 'https://app.example.com');
    headers.setHeader('VARY', 'Origin');
    headers.setHeader('vary', 'Origin, Accept-Encoding');
    expect(headers.getHeader('access-control-allow-origin')).toBe('https://app.example.com');
    headers.removeHeader('Access-Control-Allow-Origin');
    expect(headers.toJSON()).toEqual({ vary: 'Origin, Accept-Encoding' });
  });
});
