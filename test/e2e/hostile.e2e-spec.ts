import { configureSampleApp } from '../../sample/app.factory.js';
import { AppModule } from '../../sample/app.module.js';
import { header, headerValues, rawRequest, sendOne, sendRaw, type RawResponse } from '../support/raw-http.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

/**
 * Hostile requests over raw TCP against the sample app (sample-contract.md): whatever arrives,
 * the answer is a well-formed HTTP response, never a 5xx, and no CORS response header carries
 * a value the library did not validate. After each case the server still answers normally.
 */

/** Origins the sample's policies allow (R3/R4/R5/R8/R9/R10), and the `partners` wildcard. */
const SAMPLE_ALLOWED = new Set([
  'https://app.example.com',
  'https://admin.example.com',
  'https://acme.tenants.example.net',
  'https://globex.tenants.example.net',
]);
const PARTNER_SUBDOMAIN = /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+partner\.example\.com$/;
const ROUTE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);
/** `Access-Control-Allow-Headers` values: the configured lists, verbatim. */
const CONFIGURED_ALLOW_HEADERS = new Set(['Content-Type, Authorization, X-Request-Id', 'Content-Type']);
/** Markers put in hostile values: no response header may ever contain one. */
const MARKERS = /evil|injected|attacker|\bx=1\b/i;

/**
 * The invariants every response to every request obeys: CORS headers are absent or hold
 * values the library chose from its configuration or validated, and nothing the request
 * smuggled in shows up in any header.
 */
function expectOnlyValidatedCorsHeaders(response: RawResponse, sentOrigins: readonly string[]): void {
  expect(response.status).toBeLessThan(500);
  const acao = header(response, 'Access-Control-Allow-Origin');
  if (acao !== undefined && acao !== '*') {
    expect(SAMPLE_ALLOWED.has(acao) || PARTNER_SUBDOMAIN.test(acao)).toBe(true);
    // Reflected only when the request carried exactly this one origin.
    expect(sentOrigins).toEqual([acao]);
  }
  const acac = header(response, 'Access-Control-Allow-Credentials');
  if (acac !== undefined) {
    expect(acac).toBe('true');
    expect(acao).toBeDefined();
    expect(acao).not.toBe('*');
  }
  const acam = header(response, 'Access-Control-Allow-Methods');
  if (acam !== undefined) expect(ROUTE_METHODS.has(acam)).toBe(true);
  const acah = header(response, 'Access-Control-Allow-Headers');
  if (acah !== undefined) expect(CONFIGURED_ALLOW_HEADERS.has(acah)).toBe(true);
  const aceh = header(response, 'Access-Control-Expose-Headers');
  if (aceh !== undefined) expect(aceh).toBe('X-Total-Count, X-Request-Id');
  const maxAge = header(response, 'Access-Control-Max-Age');
  if (maxAge !== undefined) expect(maxAge).toBe('600');
  const pna = header(response, 'Access-Control-Allow-Private-Network');
  if (pna !== undefined) expect(pna).toBe('true');
  for (const [name, value] of response.headers) {
    expect(`${name}: ${value}`).not.toMatch(MARKERS);
    expect(name.toLowerCase()).not.toBe('set-cookie');
  }
}

function get(path: string, extra: readonly string[] = [], version = '1.1'): string {
  return rawRequest([`GET ${path} HTTP/${version}`, 'Host: 127.0.0.1', ...extra, 'Connection: close']);
}

function preflight(path: string, method: string, extra: readonly string[] = []): string {
  return rawRequest([
    `OPTIONS ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Access-Control-Request-Method: ${method}`,
    ...extra,
    'Connection: close',
  ]);
}

/** The values of the `Origin` lines of a raw request, as Node hands them on (OWS trimmed). */
function originsIn(request: string): string[] {
  return request
    .split('\r\n')
    .filter((line) => /^origin:/i.test(line))
    .map((line) => line.slice(line.indexOf(':') + 1).replace(/^[ \t]+|[ \t]+$/g, ''));
}

interface HostileCase {
  readonly name: string;
  readonly request: string;
  /** The status the contract, Node or the library fixes for it. */
  readonly status: number;
  /** `Access-Control-Allow-Origin`: absent (`undefined`), `*`, or a configured origin. */
  readonly acao: string | undefined;
}

const APP = 'https://app.example.com';
const R3 = '/api/partners/orders';
const R2 = '/api/public/items';
const R9 = '/api/tenants/acme/profile';
const longHost = `${'a'.repeat(60)}.`.repeat(130);

const CASES: readonly HostileCase[] = [
  // Duplicate Origin lines: Node joins them with ", ", which is not an origin.
  {
    name: 'two different Origin headers on a credentialed route',
    request: get(R3, [`Origin: ${APP}`, 'Origin: https://evil.example.org']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed Origin sent twice',
    request: get(R3, [`Origin: ${APP}`, `Origin: ${APP}`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed Origin twice, in other cases and apart',
    request: get(R3, [`origin: ${APP}`, 'Accept: */*', `ORIGIN: ${APP}`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'two Origin headers on a preflight',
    request: preflight(R3, 'GET', [`Origin: ${APP}`, 'Origin: https://evil.example.org']),
    status: 403,
    acao: undefined,
  },
  // Sizes: 16 KB is past Node's header limit; 8 KB reaches the library.
  {
    name: 'a 16 KB Origin',
    request: get(R3, [`Origin: https://${'a'.repeat(16 * 1024)}.example.com`]),
    status: 431,
    acao: undefined,
  },
  {
    name: 'an 8 KB Origin on a credentialed route',
    request: get(R3, [`Origin: https://${longHost}example.com`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'an 8 KB Origin on a preflight',
    request: preflight(R3, 'POST', [`Origin: https://${longHost}example.com`]),
    status: 403,
    acao: undefined,
  },
  {
    name: 'an 8 KB Origin on a public route gets *, not the value',
    request: get(R2, [`Origin: https://${longHost}example.com`]),
    status: 200,
    acao: '*',
  },
  // Encodings.
  {
    name: 'a non-ASCII (UTF-8) Origin',
    request: get(R3, [`Origin: ${Buffer.from('https://äpp.example.com', 'utf8').toString('latin1')}`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'a non-ASCII Origin on the callback route',
    request: get(R9, [`Origin: ${Buffer.from('https://acmé.tenants.example.net', 'utf8').toString('latin1')}`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'a Latin-1 byte in an allowed Origin',
    request: get(R3, [`Origin: https://app.example.com\xe9`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'a percent-encoded dot in the Origin',
    request: get(R3, ['Origin: https://app%2eexample.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'percent-encoded CRLF and Set-Cookie in the Origin',
    request: get(R3, [`Origin: ${APP}%0d%0aSet-Cookie:%20x=1`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'a punycode look-alike of the allowed origin',
    request: get(R3, ['Origin: https://xn--pp-8ba.example.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'a partner look-alike suffix',
    request: get(R3, ['Origin: https://evil-partner.example.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the partner wildcard apex',
    request: get(R3, ['Origin: https://partner.example.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin with upper case',
    request: get(R3, ['Origin: https://APP.example.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin with a trailing slash',
    request: get(R3, [`Origin: ${APP}/`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin with a trailing dot',
    request: get(R3, [`Origin: ${APP}.`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin with its default port spelled out',
    request: get(R3, [`Origin: ${APP}:443`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin with userinfo',
    request: get(R3, ['Origin: https://evil@app.example.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin over http',
    request: get(R3, ['Origin: http://app.example.com']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin followed by a tab and more',
    request: get(R3, [`Origin: ${APP}\tevil`]),
    status: 200,
    acao: undefined,
  },
  {
    name: 'the allowed origin padded with spaces and tabs (Node trims them)',
    request: get(R3, [`Origin: \t ${APP} \t`]),
    status: 200,
    acao: APP,
  },
  {
    name: 'a tenant origin with a trailing dot on the callback route',
    request: get(R9, ['Origin: https://acme.tenants.example.net.']),
    status: 200,
    acao: undefined,
  },
  {
    name: 'a tenant origin with a path on the callback route',
    request: get(R9, ['Origin: https://acme.tenants.example.net/evil']),
    status: 200,
    acao: undefined,
  },
  { name: 'an empty Origin on a credentialed route', request: get(R3, ['Origin: ']), status: 200, acao: undefined },
  // null.
  { name: 'Origin: null on a credentialed route', request: get(R3, ['Origin: null']), status: 200, acao: undefined },
  { name: 'Origin: null on the callback route', request: get(R9, ['Origin: null']), status: 200, acao: undefined },
  { name: 'Origin: null on a public route gets *', request: get(R2, ['Origin: null']), status: 200, acao: '*' },
  {
    name: 'Origin: null on a preflight',
    request: preflight(R3, 'GET', ['Origin: null']),
    status: 403,
    acao: undefined,
  },
  {
    name: 'Origin: NULL (upper case) on a preflight',
    request: preflight(R3, 'GET', ['Origin: NULL']),
    status: 403,
    acao: undefined,
  },
  // Methods.
  {
    name: 'a lowercase options method',
    request: rawRequest([
      `options ${R3} HTTP/1.1`,
      'Host: 127.0.0.1',
      `Origin: ${APP}`,
      'Access-Control-Request-Method: GET',
      'Connection: close',
    ]),
    status: 400,
    acao: undefined,
  },
  {
    name: 'a garbage Access-Control-Request-Method',
    request: preflight(R3, '<script>alert(1)</script>', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'a lowercase Access-Control-Request-Method',
    request: preflight(R3, 'get', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'an empty Access-Control-Request-Method',
    request: preflight(R3, '', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'a list as Access-Control-Request-Method',
    request: preflight(R3, 'GET, DELETE', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'two Access-Control-Request-Method headers',
    request: preflight(R3, 'GET', [`Origin: ${APP}`, 'Access-Control-Request-Method: POST']),
    status: 404,
    acao: undefined,
  },
  {
    name: 'a 4 KB token as Access-Control-Request-Method',
    request: preflight(R3, 'X'.repeat(4096), [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'TRACE as Access-Control-Request-Method',
    request: preflight(R3, 'TRACE', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'HEAD, a method the policy does not list',
    request: preflight(R3, 'HEAD', [`Origin: ${APP}`]),
    status: 403,
    acao: undefined,
  },
  // Requested headers.
  {
    name: '1500 unknown requested headers',
    request: preflight(R3, 'POST', [
      `Origin: ${APP}`,
      `Access-Control-Request-Headers: ${Array.from({ length: 1500 }, (_, i) => `x-h${i}`).join(',')}`,
    ]),
    status: 403,
    acao: undefined,
  },
  {
    name: '64 allowed requested headers in odd case and spacing, with empty items: the configured list is answered, not the request',
    request: preflight(R3, 'POST', [
      `Origin: ${APP}`,
      `Access-Control-Request-Headers: ${Array.from({ length: 64 }, (_, i) => ['Content-TYPE', ' x-request-id\t', 'AUTHORIZATION', ''][i % 4]).join(',')}`,
    ]),
    status: 204,
    acao: APP,
  },
  {
    name: '1000 allowed requested headers, more than the 64 a preflight may ask for',
    request: preflight(R3, 'POST', [
      `Origin: ${APP}`,
      `Access-Control-Request-Headers: ${Array.from({ length: 1000 }, (_, i) => ['content-type', 'x-request-id', 'authorization'][i % 3]).join(',')}`,
    ]),
    status: 403,
    acao: undefined,
  },
  {
    name: '64 Access-Control-Request-Headers lines',
    request: preflight(R3, 'POST', [
      `Origin: ${APP}`,
      ...Array.from({ length: 64 }, () => 'Access-Control-Request-Headers: x-request-id'),
    ]),
    status: 204,
    acao: APP,
  },
  {
    name: '250 Access-Control-Request-Headers lines, more than the 64 names a preflight may ask for',
    request: preflight(R3, 'POST', [
      `Origin: ${APP}`,
      ...Array.from({ length: 250 }, () => 'Access-Control-Request-Headers: x-request-id'),
    ]),
    status: 403,
    acao: undefined,
  },
  {
    name: 'a requested header that is not a token',
    request: preflight(R3, 'POST', [`Origin: ${APP}`, 'Access-Control-Request-Headers: content-type, x evil']),
    status: 403,
    acao: undefined,
  },
  {
    name: 'a requested header with a Latin-1 byte',
    request: preflight(R3, 'POST', [`Origin: ${APP}`, 'Access-Control-Request-Headers: content-typ\xe9']),
    status: 403,
    acao: undefined,
  },
  {
    name: 'Private Network Access asked of a route that does not allow it',
    request: preflight(R3, 'GET', [`Origin: ${APP}`, 'Access-Control-Request-Private-Network: true']),
    status: 403,
    acao: undefined,
  },
  // Paths.
  {
    name: 'a preflight to an unknown path',
    request: preflight('/api/does-not-exist', 'GET', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'a preflight to a route without CORS',
    request: preflight('/api/partners/report', 'GET', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  {
    name: 'a preflight to a path with broken percent-encoding',
    request: preflight('/api/partners/orders/%zz', 'DELETE', ['Origin: https://admin.example.com']),
    status: 400,
    acao: undefined,
  },
  {
    name: 'a preflight to a path with dot segments',
    request: preflight('/api/public/../partners/orders', 'GET', [`Origin: ${APP}`]),
    status: 404,
    acao: undefined,
  },
  // Host.
  {
    name: 'HTTP/1.1 without Host',
    request: rawRequest([`GET ${R3} HTTP/1.1`, `Origin: ${APP}`, 'Connection: close']),
    status: 400,
    acao: undefined,
  },
  {
    name: 'HTTP/1.0 without Host (valid: answered normally)',
    request: rawRequest([`GET ${R3} HTTP/1.0`, `Origin: ${APP}`]),
    status: 200,
    acao: APP,
  },
  // CR/LF injection.
  {
    name: 'a bare LF inside the Origin line',
    request: get(R3, [`Origin: ${APP}\nX-Injected: 1`]),
    status: 400,
    acao: undefined,
  },
  {
    name: 'a bare CR inside the Origin line',
    request: get(R3, [`Origin: ${APP}\rX-Injected: 1`]),
    status: 400,
    acao: undefined,
  },
  {
    name: 'an obs-folded Origin continuation line',
    request: get(R3, [`Origin: ${APP}`, ' .evil.example.org']),
    status: 400,
    acao: undefined,
  },
  {
    name: 'a CRLF-looking query string',
    request: get(`${R3}?x=%0d%0aX-Injected:%201`, [`Origin: ${APP}`]),
    status: 200,
    acao: APP,
  },
  {
    name: 'a bare CR inside Access-Control-Request-Headers',
    request: preflight(R3, 'POST', [`Origin: ${APP}`, 'Access-Control-Request-Headers: content-type\rX-Injected: 1']),
    status: 400,
    acao: undefined,
  },
  // Control characters.
  { name: 'a NUL in the Origin', request: get(R3, [`Origin: ${APP}\x00`]), status: 400, acao: undefined },
  { name: 'a SOH in the Origin', request: get(R3, [`Origin: ${APP}\x01`]), status: 400, acao: undefined },
  { name: 'a DEL in the Origin', request: get(R3, [`Origin: ${APP}\x7f`]), status: 400, acao: undefined },
  {
    name: 'an ESC in Access-Control-Request-Method',
    request: preflight(R3, 'GET\x1b', [`Origin: ${APP}`]),
    status: 400,
    acao: undefined,
  },
  {
    name: 'a vertical tab in Access-Control-Request-Headers',
    request: preflight(R3, 'POST', [`Origin: ${APP}`, 'Access-Control-Request-Headers: content-type\x0b']),
    status: 400,
    acao: undefined,
  },
];

describe.each(ADAPTERS)('hostile requests to the sample on %s', (adapter) => {
  let running: RunningApp;
  let port: number;

  beforeAll(async () => {
    running = await startApp(adapter, { imports: [AppModule] }, configureSampleApp);
    port = Number(new URL(running.url).port);
  });
  afterAll(() => running.close());

  /** The server keeps answering an ordinary allowed request, with the right headers. */
  async function expectServingNormally(): Promise<void> {
    const response = await sendOne(port, get(R3, [`Origin: ${APP}`]));
    expect(response.status).toBe(200);
    expect(header(response, 'Access-Control-Allow-Origin')).toBe(APP);
    expect(JSON.parse(response.body.toString('utf8'))).toHaveLength(3);
  }

  it.each(CASES)(
    'answers $name with a well-formed $status and only validated CORS headers',
    async ({ request, status, acao }) => {
      const response = await sendOne(port, request);
      expect(response.status).toBe(status);
      expect(header(response, 'Access-Control-Allow-Origin')).toBe(acao);
      expectOnlyValidatedCorsHeaders(response, originsIn(request));
      await expectServingNormally();
    },
  );

  it("keeps Vary: Origin on credentialed-route responses whatever the Origin, so caches cannot serve one origin another's answer", async () => {
    for (const origins of [[], [APP], ['https://evil.example.org'], ['null'], [APP, 'https://evil.example.org']]) {
      const response = await sendOne(
        port,
        get(
          R3,
          origins.map((o) => `Origin: ${o}`),
        ),
      );
      expect(headerValues(response, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
    }
  });

  it('answers pipelined hostile and ordinary requests on one connection, each with its own verdict', async () => {
    const requests = [
      ['GET', rawRequest([`GET ${R9} HTTP/1.1`, 'Host: 127.0.0.1', 'Origin: https://acme.tenants.example.net'])],
      ['GET', rawRequest([`GET ${R9} HTTP/1.1`, 'Host: 127.0.0.1', 'Origin: https://evil.tenants.example.net'])],
      [
        'OPTIONS',
        rawRequest([
          `OPTIONS ${R3} HTTP/1.1`,
          'Host: 127.0.0.1',
          'Origin: https://evil.example.org',
          'Access-Control-Request-Method: GET',
        ]),
      ],
      [
        'OPTIONS',
        rawRequest([
          `OPTIONS ${R3} HTTP/1.1`,
          'Host: 127.0.0.1',
          `Origin: ${APP}`,
          'Access-Control-Request-Method: POST',
        ]),
      ],
      ['HEAD', rawRequest([`HEAD ${R3} HTTP/1.1`, 'Host: 127.0.0.1', 'Origin: https://a.b.partner.example.com'])],
      ['GET', rawRequest([`GET ${R3} HTTP/1.1`, 'Host: 127.0.0.1', 'Origin: null'])],
      ['GET', rawRequest(['GET /api/health HTTP/1.1', 'Host: 127.0.0.1', `Origin: ${APP}`, 'Connection: close'])],
    ] as const;
    const exchange = await sendRaw(port, requests.map(([, r]) => r).join(''), { methods: requests.map(([m]) => m) });
    expect(exchange.leftover.length).toBe(0);
    expect(exchange.responses.map((r) => r.status)).toEqual([200, 200, 403, 204, 200, 200, 200]);
    expect(exchange.responses.map((r) => header(r, 'Access-Control-Allow-Origin'))).toEqual([
      'https://acme.tenants.example.net',
      undefined,
      undefined,
      APP,
      'https://a.b.partner.example.com',
      undefined,
      undefined,
    ]);
    exchange.responses.forEach((response, i) => expectOnlyValidatedCorsHeaders(response, originsIn(requests[i][1])));
  });

  it('still serves every kind of route normally after the hostile cases', async () => {
    await expectServingNormally();
    const publicItems = await sendOne(port, get(R2, ['Origin: https://anyone.example.org']));
    expect(publicItems.status).toBe(200);
    expect(header(publicItems, 'Access-Control-Allow-Origin')).toBe('*');
    const tenant = await sendOne(port, get(R9, ['Origin: https://globex.tenants.example.net']));
    expect(header(tenant, 'Access-Control-Allow-Origin')).toBe('https://globex.tenants.example.net');
    const allowed = await sendOne(
      port,
      preflight('/api/partners/orders/1', 'DELETE', ['Origin: https://admin.example.com']),
    );
    expect(allowed.status).toBe(204);
    expect(header(allowed, 'Access-Control-Allow-Methods')).toBe('DELETE');
    const health = await sendOne(port, get('/api/health', [`Origin: ${APP}`]));
    expect(health.status).toBe(200);
    expect(health.headers.filter(([name]) => /^access-control-/i.test(name))).toEqual([]);
  });
});
