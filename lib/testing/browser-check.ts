import { parseRequestHeaderList } from '../policy/http-tokens.js';

/** A CORS exchange as a browser sees it: what it asked, what came back. */
export interface CorsExchange {
  readonly kind: 'preflight' | 'request';
  readonly method: string;
  readonly path: string;
  readonly origin: string | undefined;
  /** For preflights: the request headers asked for, lowercase. */
  readonly requestedHeaders: readonly string[];
  readonly privateNetwork: boolean;
  readonly status: number;
  /** Response headers, names lowercase. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The checks a browser makes on a response (Fetch standard: "CORS check", and for preflights
 * "CORS-preflight fetch"), each failure spelled out. `credentials`: whether the page's request
 * would include credentials (`credentials: 'include'`).
 */
export function browserProblems(exchange: CorsExchange, credentials: boolean): string[] {
  const { headers, origin } = exchange;
  const problems: string[] = [];
  if (origin === undefined) return ['the request had no Origin header: browsers make no CORS check without one'];
  const allowOrigin = headers['access-control-allow-origin'];
  if (allowOrigin === undefined) problems.push('no Access-Control-Allow-Origin header');
  else if (allowOrigin === '*' && credentials)
    problems.push('Access-Control-Allow-Origin is * but the request has credentials');
  else if (allowOrigin !== '*' && allowOrigin !== origin)
    problems.push(`Access-Control-Allow-Origin is ${JSON.stringify(allowOrigin)}, not ${JSON.stringify(origin)}`);
  if (credentials && headers['access-control-allow-credentials'] !== 'true') {
    problems.push('no Access-Control-Allow-Credentials: true, but the request has credentials');
  }
  if (exchange.kind === 'request') return problems;

  if (exchange.status < 200 || exchange.status > 299)
    problems.push(`the preflight's status is ${exchange.status}, not 2xx`);
  const methods = (headers['access-control-allow-methods'] ?? '').split(',').map((m) => m.trim());
  const safelisted = ['GET', 'HEAD', 'POST'].includes(exchange.method);
  const methodAllowed = safelisted || methods.includes(exchange.method) || (!credentials && methods.includes('*'));
  if (!methodAllowed)
    problems.push(
      `Access-Control-Allow-Methods (${JSON.stringify(headers['access-control-allow-methods'] ?? '')}) does not name ${exchange.method}`,
    );
  const allowed = new Set(parseRequestHeaderList(headers['access-control-allow-headers'] ?? '') ?? []);
  for (const name of exchange.requestedHeaders) {
    const byWildcard = !credentials && allowed.has('*') && name !== 'authorization';
    if (!allowed.has(name) && !byWildcard) problems.push(`Access-Control-Allow-Headers does not name ${name}`);
  }
  if (exchange.privateNetwork && headers['access-control-allow-private-network'] !== 'true') {
    problems.push('no Access-Control-Allow-Private-Network: true, but the preflight asked for private network access');
  }
  return problems;
}

/** Whether page scripts can read a response header (Fetch standard, "CORS-exposed header-name list"). */
export function isExposed(exchange: CorsExchange, name: string, credentials: boolean): boolean {
  const lower = name.toLowerCase();
  const safelisted = [
    'cache-control',
    'content-language',
    'content-length',
    'content-type',
    'expires',
    'last-modified',
    'pragma',
  ];
  if (safelisted.includes(lower)) return true;
  const exposed = parseRequestHeaderList(exchange.headers['access-control-expose-headers'] ?? '') ?? [];
  return exposed.includes(lower) || (!credentials && exposed.includes('*'));
}
