/** One problem found in the CORS configuration, with where it was found. */
export interface CorsConfigurationProblem {
  /** Where the policy was declared: `OrdersController.remove`, `policies.partners`, ... */
  readonly location: string;
  /** The field at fault, with its index in a list: `origins[1]`, `maxAge`, ... */
  readonly field: string;
  readonly message: string;
}

/**
 * Thrown once at bootstrap when the CORS configuration has problems; lists all of them, so a
 * misconfiguration is fixed in one pass rather than one restart per mistake.
 */
export class CorsConfigurationError extends Error {
  constructor(readonly problems: readonly CorsConfigurationProblem[]) {
    super(
      `Invalid CORS configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'CorsConfigurationError';
  }
}

export function formatProblem(problem: CorsConfigurationProblem): string {
  return `${problem.location} › ${problem.field}: ${problem.message}`;
}
