import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { isSafe } from 'redos-detector';
import type { CorsModuleAsyncOptions, CorsModuleOptions, CorsPolicy } from '../../lib/cors-module-options.js';
import type { CorsConfigurationProblemCode } from '../../lib/policy/configuration-error.js';
import { OriginMatcher } from '../../lib/policy/origin-matcher.js';
import { mergePolicies } from '../../lib/policy/resolve.js';
import { MAX_ORIGIN_LENGTH } from '../../lib/policy/serialized-origin.js';
import {
  validateAsyncModuleOptions,
  validateAsyncResult,
  validateModuleOptions,
  validateOptionsFactory,
} from '../../lib/policy/validate-module-options.js';
import { PolicyValidator } from '../../lib/policy/validate.js';
import { validatePolicy } from '../support/policies.js';

const AT = 'OrdersController.remove';

/** Configuration in, codes and messages out: every rule the bootstrap check enforces. */
const REFUSED: readonly [string, CorsPolicy, string, CorsConfigurationProblemCode, RegExp][] = [
  [
    'credentials with *',
    { origins: '*', credentials: true },
    'origins',
    'origin_prohibited',
    /cannot be used with credentials/,
  ],
  ['a policy without origins', { credentials: true }, 'origins', 'origins_missing', /no origins/],
  ['an empty origin list', { origins: [] }, 'origins', 'origins_empty', /empty list/],
  [
    '* inside a list',
    { origins: ['https://a.example.com', '*'] },
    'origins[1]',
    'origin_wildcard_in_list',
    /must stand alone/,
  ],
  ['an origin with a path', { origins: ['https://app.example.com/api'] }, 'origins[0]', 'origin_invalid', /no path/],
  [
    'an origin with a trailing slash',
    { origins: ['https://app.example.com/'] },
    'origins[0]',
    'origin_invalid',
    /trailing slash/,
  ],
  ['an origin without a scheme', { origins: ['app.example.com'] }, 'origins[0]', 'origin_invalid', /no scheme/],
  [
    'an origin spelling out the default port',
    { origins: ['https://app.example.com:443'] },
    'origins[0]',
    'origin_invalid',
    /default port/,
  ],
  ['an origin in uppercase', { origins: ['https://App.example.com'] }, 'origins[0]', 'origin_invalid', /lowercase/],
  [
    'an origin with userinfo',
    { origins: ['https://user@app.example.com'] },
    'origins[0]',
    'origin_invalid',
    /user information/,
  ],
  [
    'a non-string origin',
    { origins: [42 as unknown as string] },
    'origins[0]',
    'origin_type_invalid',
    /origin string or a RegExp/,
  ],
  [
    'a wildcard in the middle',
    { origins: ['https://app.*.example.com'] },
    'origins[0]',
    'origin_pattern_invalid',
    /leftmost label/,
  ],
  ['two wildcards', { origins: ['https://*.*.example.com'] }, 'origins[0]', 'origin_pattern_invalid', /exactly one/],
  ['a bare wildcard host', { origins: ['https://*'] }, 'origins[0]', 'origin_pattern_invalid', /leftmost label/],
  [
    'a wildcard under a public suffix',
    { origins: ['https://*.com'] },
    'origins[0]',
    'origin_public_suffix_wildcard',
    /public suffix 'com'/,
  ],
  [
    'a wildcard under a private public suffix',
    { origins: ['https://*.github.io'] },
    'origins[0]',
    'origin_public_suffix_wildcard',
    /public suffix 'github.io'/,
  ],
  [
    'a wildcard under a two-label public suffix',
    { origins: ['https://*.co.uk'] },
    'origins[0]',
    'origin_public_suffix_wildcard',
    /public suffix 'co.uk'/,
  ],
  [
    'a wildcard over an IP address',
    { origins: ['https://*.0.0.1'] },
    'origins[0]',
    'origin_pattern_ip_address',
    /IP address/,
  ],
  ['an unanchored RegExp', { origins: [/example\.com$/] }, 'origins[0]', 'origin_unanchored', /not anchored/],
  [
    'a RegExp without its end anchor',
    { origins: [/^https:\/\/app\.example\.com/] },
    'origins[0]',
    'origin_unanchored',
    /not anchored/,
  ],
  [
    'a RegExp ending in an escaped dollar',
    { origins: [/^https:\/\/a\.example\.com\$/] },
    'origins[0]',
    'origin_unanchored',
    /not anchored/,
  ],
  ['a global RegExp', { origins: [/^https:\/\/a\.example\.com$/g] }, 'origins[0]', 'origin_stateful', /'g' flag/],
  ['a sticky RegExp', { origins: [/^https:\/\/a\.example\.com$/y] }, 'origins[0]', 'origin_stateful', /'y' flag/],
  [
    'a RegExp matching the null origin',
    { origins: [/^.*$/] },
    'origins[0]',
    'origin_matches_null',
    /matches the 'null' origin/,
  ],
  [
    'plain http with credentials',
    { origins: ['http://app.example.com'], credentials: true },
    'origins[0]',
    'origin_insecure_credentialed',
    /plain http with credentials/,
  ],
  [
    'a plain-http pattern with credentials',
    { origins: ['http://*.example.com'], credentials: true },
    'origins[0]',
    'origin_insecure_credentialed',
    /plain http/,
  ],
  [
    'a port wildcard on a host that is not loopback',
    { origins: ['https://app.example.com:*'] },
    'origins[0]',
    'origin_port_wildcard_not_loopback',
    /every port of 'app\.example\.com', which is not a loopback host/,
  ],
  [
    'a port wildcard on a look-alike of localhost',
    { origins: ['http://localhost.evil.com:*'] },
    'origins[0]',
    'origin_port_wildcard_not_loopback',
    /not a loopback host/,
  ],
  [
    'a port wildcard on a private-network address',
    { origins: ['http://192.168.1.10:*'] },
    'origins[0]',
    'origin_port_wildcard_not_loopback',
    /not a loopback host/,
  ],
  [
    'a port wildcard under a subdomain wildcard',
    { origins: ['http://*.localhost:*'] },
    'origins[0]',
    'origin_pattern_invalid',
    /do not combine/,
  ],
  [
    'a port wildcard after a port',
    { origins: ['http://localhost:3000:*'] },
    'origins[0]',
    'origin_pattern_invalid',
    /whole port, as in 'http:\/\/localhost:\*'/,
  ],
  [
    'a port wildcard inside a port',
    { origins: ['http://localhost:30*'] },
    'origins[0]',
    'origin_pattern_invalid',
    /whole port/,
  ],
  [
    'a port wildcard on an uppercase host',
    { origins: ['http://LOCALHOST:*'] },
    'origins[0]',
    'origin_invalid',
    /lowercase/,
  ],
  ['a port wildcard with a path', { origins: ['http://localhost/app:*'] }, 'origins[0]', 'origin_invalid', /no path/],
  [
    'a plain-http port wildcard with credentials, let through on any host',
    {
      origins: ['http://app.example.com:*'],
      credentials: true,
      dangerouslyAllow: { portWildcardOnAnyHost: true },
    },
    'origins[0]',
    'origin_insecure_credentialed',
    /plain http with credentials/,
  ],
  [
    'dangerouslyAllow that is not an object',
    { origins: '*', dangerouslyAllow: true as unknown as CorsPolicy['dangerouslyAllow'] },
    'dangerouslyAllow',
    'field_invalid',
    /object of escape hatches, each true: portWildcardOnAnyHost, credentialsOverPlainHttp, wildcardUnderPublicSuffix/,
  ],
  [
    'an unknown escape hatch',
    { origins: '*', dangerouslyAllow: { anyOrigin: true } as CorsPolicy['dangerouslyAllow'] },
    'dangerouslyAllow.anyOrigin',
    'field_unknown',
    /unknown escape hatch/,
  ],
  [
    'an escape hatch set to false',
    {
      origins: '*',
      dangerouslyAllow: { credentialsOverPlainHttp: false } as unknown as CorsPolicy['dangerouslyAllow'],
    },
    'dangerouslyAllow.credentialsOverPlainHttp',
    'field_invalid',
    /must be true, or left out/,
  ],
  ['a negative maxAge', { origins: '*', maxAge: -1 }, 'maxAge', 'max_age_invalid', /from 0 to 86400/],
  ['a maxAge over a day', { origins: '*', maxAge: 86401 }, 'maxAge', 'max_age_invalid', /from 0 to 86400/],
  ['a fractional maxAge', { origins: '*', maxAge: 1.5 }, 'maxAge', 'max_age_invalid', /whole number/],
  [
    'a forbidden request header',
    { origins: '*', allowedHeaders: ['Cookie'] },
    'allowedHeaders[0]',
    'header_forbidden',
    /forbidden request header/,
  ],
  [
    'a Sec- request header',
    { origins: '*', allowedHeaders: ['Sec-Fetch-Mode'] },
    'allowedHeaders[0]',
    'header_forbidden',
    /forbidden request header/,
  ],
  [
    'a Proxy- request header',
    { origins: '*', allowedHeaders: ['Proxy-Authorization'] },
    'allowedHeaders[0]',
    'header_forbidden',
    /forbidden request header/,
  ],
  [
    'a CORS header as an allowed header',
    { origins: '*', allowedHeaders: ['Access-Control-Allow-Origin'] },
    'allowedHeaders[0]',
    'header_cors_protocol',
    /CORS protocol header/,
  ],
  [
    'a header name with a space',
    { origins: '*', allowedHeaders: ['X Custom'] },
    'allowedHeaders[0]',
    'header_name_invalid',
    /not a header name/,
  ],
  [
    '* headers with credentials',
    { origins: ['https://a.example.com'], credentials: true, allowedHeaders: '*' },
    'allowedHeaders',
    'headers_wildcard_credentialed',
    /taken literally/,
  ],
  [
    'Set-Cookie as an exposed header',
    { origins: '*', exposedHeaders: ['Set-Cookie'] },
    'exposedHeaders[0]',
    'header_forbidden',
    /forbidden response header/,
  ],
  [
    '* exposed headers with credentials',
    { origins: ['https://a.example.com'], credentials: true, exposedHeaders: '*' },
    'exposedHeaders',
    'headers_wildcard_credentialed',
    /taken literally/,
  ],
  ['a forbidden method', { origins: '*', methods: ['TRACE'] }, 'methods[0]', 'method_forbidden', /forbidden method/],
  [
    'a method that is not a token',
    { origins: '*', methods: ['GET POST'] },
    'methods[0]',
    'method_invalid',
    /not a method name/,
  ],
  ['an empty method list', { origins: '*', methods: [] }, 'methods', 'methods_empty', /allows no preflight/],
  [
    'a misspelled field',
    { origins: '*', origin: 'x' } as CorsPolicy,
    'origin',
    'field_unknown',
    /unknown policy field/,
  ],
  [
    'credentials that are not a boolean',
    { origins: ['https://a.example.com'], credentials: 'yes' as unknown as boolean },
    'credentials',
    'field_invalid',
    /true or false/,
  ],
  [
    'allowPrivateNetwork that is not a boolean',
    { origins: '*', allowPrivateNetwork: 1 as unknown as boolean },
    'allowPrivateNetwork',
    'field_invalid',
    /true or false/,
  ],
  [
    'methods as a string',
    { origins: '*', methods: 'GET' as unknown as string[] },
    'methods',
    'field_invalid',
    /list of method names/,
  ],
  [
    'exposed headers as a string',
    { origins: '*', exposedHeaders: 'X-Total-Count' as unknown as string[] },
    'exposedHeaders',
    'field_invalid',
    /list of header names or '\*'/,
  ],
  [
    'a single non-string origin',
    { origins: 42 as unknown as string },
    'origins',
    'origin_type_invalid',
    /origin string or a RegExp/,
  ],
  [
    '* inside a header list',
    { origins: '*', allowedHeaders: ['Content-Type', '*'] },
    'allowedHeaders[1]',
    'header_wildcard_in_list',
    /must stand alone/,
  ],
  [
    'a CORS header as an exposed header',
    { origins: '*', exposedHeaders: ['Access-Control-Allow-Origin'] },
    'exposedHeaders[0]',
    'header_cors_protocol',
    /CORS protocol header/,
  ],
  [
    'an origins cache beside static origins',
    { origins: ['https://a.example.com'], originsCache: { ttl: 60_000 } },
    'originsCache',
    'origins_cache_without_callback',
    /origins here are static.*originsCache: false/,
  ],
  [
    'an origins cache that is not an object',
    { origins: () => true, originsCache: 60_000 as unknown as { ttl: number } },
    'originsCache',
    'origins_cache_invalid',
    /must be \{ ttl, negativeTtl\?, max\? \} or false/,
  ],
  [
    'an origins cache without a ttl',
    { origins: () => true, originsCache: {} as { ttl: number } },
    'originsCache.ttl',
    'origins_cache_invalid',
    /from 1 to 86400000/,
  ],
  [
    'an origins cache ttl longer than a day',
    { origins: () => true, originsCache: { ttl: 86_400_001 } },
    'originsCache.ttl',
    'origins_cache_invalid',
    /from 1 to 86400000/,
  ],
  [
    'a negative negativeTtl',
    { origins: () => true, originsCache: { ttl: 1_000, negativeTtl: -1 } },
    'originsCache.negativeTtl',
    'origins_cache_invalid',
    /from 0 \(keep no refusal\)/,
  ],
  [
    'an origins cache of no entries',
    { origins: () => true, originsCache: { ttl: 1_000, max: 0 } },
    'originsCache.max',
    'origins_cache_invalid',
    /1 or more/,
  ],
  [
    'an unknown origins cache field',
    { origins: () => true, originsCache: { ttl: 1_000, maxAge: 5 } as { ttl: number } },
    'originsCache.maxAge',
    'origins_cache_invalid',
    /unknown field \(known: ttl, negativeTtl, max\)/,
  ],
];

/** A table's rows, each named with the code it expects: "refuses … as origin_invalid". */
function titled<Row extends readonly [string, unknown, string, CorsConfigurationProblemCode, RegExp]>(
  rows: readonly Row[],
): Row[] {
  return rows.map((row) => [`${row[0]} as ${row[3]}`, ...row.slice(1)] as unknown as Row);
}

const ACCEPTED: readonly [string, CorsPolicy][] = [
  ['* without credentials', { origins: '*' }],
  [
    'exact origins with credentials',
    { origins: ['https://app.example.com', 'https://app.example.com:8443'], credentials: true },
  ],
  ['a wildcard under an own domain', { origins: ['https://*.partner.example.com'], credentials: true }],
  ['a wildcard with a port', { origins: ['https://*.example.com:8443'] }],
  ['the null origin listed literally', { origins: ['null'] }],
  [
    'plain http on localhost with credentials',
    { origins: ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:4200'], credentials: true },
  ],
  [
    'port wildcards on loopback hosts, with credentials',
    {
      origins: [
        'http://localhost:*',
        'https://localhost:*',
        'http://127.0.0.1:*',
        'http://[::1]:*',
        'https://[::1]:*',
        'http://app.localhost:*',
      ],
      credentials: true,
    },
  ],
  ['an anchored RegExp', { origins: [/^https:\/\/[a-z]+\.example\.com$/] }],
  ['an anchored case-insensitive RegExp', { origins: [/^https:\/\/app\.example\.com$/i] }],
  ['a callback', { origins: async () => true, credentials: true }],
  [
    'a callback with an origins cache',
    { origins: async () => true, originsCache: { ttl: 60_000, negativeTtl: 0, max: 1 } },
  ],
  ['static origins with the origins cache switched off', { origins: ['https://a.example.com'], originsCache: false }],
  ['an IPv6 origin', { origins: ['https://[2001:db8::1]:8443'] }],
  ['punycode', { origins: ['https://xn--bcher-kva.example'] }],
  [
    'every field set',
    {
      origins: ['https://a.example.com'],
      methods: ['GET', 'PATCH'],
      allowedHeaders: ['Content-Type', 'Authorization'],
      exposedHeaders: ['X-Total-Count'],
      credentials: true,
      maxAge: 7200,
      allowPrivateNetwork: true,
    },
  ],
];

describe('validatePolicy', () => {
  it.each(titled(REFUSED))('refuses %s', (_name, policy, field, code, message) => {
    const { problems } = validatePolicy(policy, AT);
    expect(problems).toContainEqual({ location: AT, field, code, message: expect.stringMatching(message) });
  });

  it.each(ACCEPTED)('accepts %s', (_name, policy) => {
    expect(validatePolicy(policy, AT).problems).toEqual([]);
  });

  it('reports every problem of a policy, not just the first', () => {
    const { problems } = validatePolicy(
      { origins: ['https://a.example.com/', /a/], credentials: true, maxAge: -5 },
      AT,
    );
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['origins[0]', 'origin_invalid'],
      ['origins[1]', 'origin_unanchored'],
      ['maxAge', 'max_age_invalid'],
    ]);
  });

  it("warns, without refusing, about a maxAge above Chromium's two-hour cap", () => {
    const { problems, warnings } = validatePolicy({ origins: '*', maxAge: 86400 }, AT);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      {
        location: AT,
        field: 'maxAge',
        code: 'max_age_capped',
        message: expect.stringMatching(/Chromium's cap of 7200s/),
      },
    ]);
  });

  it('does not require origins of a named policy checked on its own', () => {
    expect(validatePolicy({ credentials: true }, 'policies.partners', { requireOrigins: false }).problems).toEqual([]);
  });

  it('accepts an origins cache on a named policy that leaves its callback to the handlers', () => {
    const policy = { originsCache: { ttl: 60_000 } };
    expect(validatePolicy(policy, 'policies.tenants', { requireOrigins: false }).problems).toEqual([]);
  });
});

/**
 * `dangerouslyAllow` in, warnings out: each hatch lets through exactly what its rule refuses,
 * warned about naming the entry and the hatch, and a hatch nothing needs is warned about too.
 */
const ESCAPE_HATCHES: readonly [string, CorsPolicy, [string, CorsConfigurationProblemCode, RegExp][]][] = [
  [
    'a port wildcard on any host',
    { origins: ['https://app.example.com:*'], dangerouslyAllow: { portWildcardOnAnyHost: true } },
    [
      [
        'origins[0]',
        'origin_dangerously_allowed',
        /^'https:\/\/app\.example\.com:\*' allows every port .* \(let through by dangerouslyAllow\.portWildcardOnAnyHost\)$/,
      ],
    ],
  ],
  [
    'credentials over plain http',
    {
      origins: ['https://app.example.com', 'http://legacy.example.com'],
      credentials: true,
      dangerouslyAllow: { credentialsOverPlainHttp: true },
    },
    [['origins[1]', 'origin_dangerously_allowed', /plain http .* dangerouslyAllow\.credentialsOverPlainHttp/]],
  ],
  [
    'a wildcard under a public suffix',
    { origins: ['https://*.vercel.app'], dangerouslyAllow: { wildcardUnderPublicSuffix: true } },
    [
      [
        'origins[0]',
        'origin_dangerously_allowed',
        /public suffix 'vercel\.app'.* dangerouslyAllow\.wildcardUnderPublicSuffix/,
      ],
    ],
  ],
  [
    'two hatches on one entry',
    {
      origins: ['http://staging.example.com:*'],
      credentials: true,
      dangerouslyAllow: { portWildcardOnAnyHost: true, credentialsOverPlainHttp: true },
    },
    [
      ['origins[0]', 'origin_dangerously_allowed', /portWildcardOnAnyHost/],
      ['origins[0]', 'origin_dangerously_allowed', /credentialsOverPlainHttp/],
    ],
  ],
  [
    'a hatch nothing needs',
    { origins: ['https://app.example.com'], credentials: true, dangerouslyAllow: { credentialsOverPlainHttp: true } },
    [
      [
        'dangerouslyAllow.credentialsOverPlainHttp',
        'dangerously_allow_unneeded',
        /nothing needs it: the policy has no plain-http origin but loopback ones with credentials; remove it/,
      ],
    ],
  ],
  [
    'a hatch for a port wildcard that is on loopback',
    { origins: ['http://localhost:*'], dangerouslyAllow: { portWildcardOnAnyHost: true } },
    [['dangerouslyAllow.portWildcardOnAnyHost', 'dangerously_allow_unneeded', /no port wildcard on a host/]],
  ],
  [
    'a hatch beside a callback',
    { origins: () => true, dangerouslyAllow: { wildcardUnderPublicSuffix: true } },
    [['dangerouslyAllow.wildcardUnderPublicSuffix', 'dangerously_allow_unneeded', /nothing needs it/]],
  ],
  ['an empty dangerouslyAllow', { origins: ['https://app.example.com'], dangerouslyAllow: {} }, []],
];

describe('dangerouslyAllow', () => {
  it.each(ESCAPE_HATCHES)('lets through, and warns about, %s', (_name, policy, warnings) => {
    const result = validatePolicy(policy, AT);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual(
      warnings.map(([field, code, message]) => ({
        location: AT,
        field,
        code,
        message: expect.stringMatching(message),
      })),
    );
  });

  it.each([
    ['portWildcardOnAnyHost', { origins: ['https://*.co.uk'] }, 'origin_public_suffix_wildcard'],
    ['wildcardUnderPublicSuffix', { origins: ['https://app.example.com:*'] }, 'origin_port_wildcard_not_loopback'],
    [
      'wildcardUnderPublicSuffix',
      { origins: ['http://app.example.com'], credentials: true },
      'origin_insecure_credentialed',
    ],
    ['portWildcardOnAnyHost', { origins: ['https://*.example.com:*'] }, 'origin_pattern_invalid'],
    ['portWildcardOnAnyHost', { origins: ['https://App.example.com:*'] }, 'origin_invalid'],
  ] as const)('does not let %s through what another rule refuses (%j)', (hatch, policy, code) => {
    const { problems } = validatePolicy({ ...policy, dangerouslyAllow: { [hatch]: true } }, AT);
    expect(problems.map((problem) => problem.code)).toEqual([code]);
  });

  it('warns of a hatch in use on a named policy checked on its own, but not of one it may need later', () => {
    const named = validatePolicy(
      { origins: ['https://app.example.com:*'], dangerouslyAllow: { portWildcardOnAnyHost: true } },
      'policies.staging',
      { requireOrigins: false },
    );
    expect(named.warnings.map((warning) => warning.code)).toEqual(['origin_dangerously_allowed']);
    const partial = validatePolicy({ dangerouslyAllow: { credentialsOverPlainHttp: true } }, 'policies.legacy', {
      requireOrigins: false,
    });
    expect(partial).toEqual({ problems: [], warnings: [] });
  });

  it('judges a shared list by the hatches of each policy that uses it', () => {
    const validator = new PolicyValidator();
    const origins = ['https://staging.example.com:*'];
    const at = (location: string, policy: CorsPolicy) =>
      validator.validate({ origins, ...policy }, location, { requireOrigins: true });
    expect(at('A.list', { dangerouslyAllow: { portWildcardOnAnyHost: true } }).problems).toEqual([]);
    expect(at('A.get', {}).problems.map((problem) => [problem.location, problem.code])).toEqual([
      ['A.get', 'origin_port_wildcard_not_loopback'],
    ]);
  });
});

describe('PolicyValidator', () => {
  it('reports a shared list’s problems at every route that uses it, checking it once', () => {
    const validator = new PolicyValidator();
    const origins = ['https://a.example.com/', 'https://b.example.com'];
    expect(validator.validate({ origins }, 'A.list', { requireOrigins: true }).problems).toEqual([
      {
        location: 'A.list',
        field: 'origins[0]',
        code: 'origin_invalid',
        message: expect.stringMatching(/trailing slash/),
      },
    ]);
    origins[0] = 'https://fixed.example.com'; // the same list object: its findings are not recomputed
    expect(validator.validate({ origins, maxAge: 10 }, 'A.get', { requireOrigins: true }).problems).toEqual([
      {
        location: 'A.get',
        field: 'origins[0]',
        code: 'origin_invalid',
        message: expect.stringMatching(/trailing slash/),
      },
    ]);
  });

  it('checks a shared list again when credentials change what is allowed', () => {
    const validator = new PolicyValidator();
    const origins = ['http://partner.example.com'];
    expect(validator.validate({ origins }, 'A.list', { requireOrigins: true }).problems).toEqual([]);
    expect(validator.validate({ origins, credentials: true }, 'A.get', { requireOrigins: true }).problems).toEqual([
      {
        location: 'A.get',
        field: 'origins[0]',
        code: 'origin_insecure_credentialed',
        message: expect.stringMatching(/plain http with credentials/),
      },
    ]);
  });

  it('tells one list used as allowed and as exposed headers apart', () => {
    const validator = new PolicyValidator();
    const headers = ['Cookie'];
    expect(
      validator.validate({ origins: '*', allowedHeaders: headers }, 'A.list', { requireOrigins: true }).problems,
    ).toEqual([
      {
        location: 'A.list',
        field: 'allowedHeaders[0]',
        code: 'header_forbidden',
        message: expect.stringMatching(/forbidden request header/),
      },
    ]);
    expect(
      validator.validate({ origins: '*', exposedHeaders: headers }, 'A.get', { requireOrigins: true }).problems,
    ).toEqual([]);
  });
});

/** Module options in, codes out. */
const MODULE_REFUSED: readonly [string, Record<string, unknown>, string, CorsConfigurationProblemCode, RegExp][] = [
  [
    'a timeout of Infinity',
    { originCallbackTimeout: Infinity },
    'originCallbackTimeout',
    'option_invalid',
    /whole number of milliseconds/,
  ],
  [
    'a NaN timeout',
    { originCallbackTimeout: NaN },
    'originCallbackTimeout',
    'option_invalid',
    /whole number of milliseconds/,
  ],
  [
    'a negative timeout',
    { originCallbackTimeout: -5 },
    'originCallbackTimeout',
    'option_invalid',
    /whole number of milliseconds/,
  ],
  [
    'a timeout setTimeout cannot hold',
    { originCallbackTimeout: 2 ** 31 },
    'originCallbackTimeout',
    'option_invalid',
    /from 1 to 2147483647/,
  ],
  ['a misspelled option', { enforced: true }, 'enforced', 'option_unknown', /unknown module option/],
  ['a non-boolean debug', { debug: 'yes' }, 'debug', 'option_invalid', /true or false/],
  ['policies as a list', { policies: [] }, 'policies', 'option_invalid', /object of named policies/],
  ['paths as a list', { paths: [] }, 'paths', 'option_invalid', /object of policies by registered path/],
  [
    'csrfTrustedOrigins as a string',
    { csrfTrustedOrigins: 'https://a.example.com' },
    'csrfTrustedOrigins',
    'option_invalid',
    /list of origins/,
  ],
  [
    'a paths key without its leading slash',
    { paths: { graphql: 'web' } },
    "paths['graphql']",
    'path_invalid',
    /starting with '\/'/,
  ],
  [
    'a paths key with a wildcard inside',
    { paths: { '/docs/*/x': false } },
    "paths['/docs/*/x']",
    'path_invalid',
    /optionally ending in '\/\*'/,
  ],
];

describe('validateModuleOptions', () => {
  it.each(titled(MODULE_REFUSED))('refuses %s', (_name, options, field, code, message) => {
    expect(validateModuleOptions(options as CorsModuleOptions)).toContainEqual({
      location: 'CorsModule',
      field,
      code,
      message: expect.stringMatching(message),
    });
  });

  it('accepts every documented option', () => {
    expect(
      validateModuleOptions({
        defaults: {},
        global: false,
        policies: {},
        enforce: true,
        debug: false,
        logRoutes: true,
        originCallbackTimeout: 250,
      }),
    ).toEqual([]);
  });
});

class CorsConfig {
  createCorsOptions(): CorsModuleOptions {
    return {};
  }
}
const factory = (): CorsModuleOptions => ({});

/** `forRootAsync()` options in, codes out. */
const ASYNC_REFUSED: readonly [string, unknown, string, CorsConfigurationProblemCode, RegExp][] = [
  [
    'none of the three forms',
    { imports: [] },
    'useFactory | useClass | useExisting',
    'option_invalid',
    /exactly one of them \(given: none\)/,
  ],
  [
    'two forms',
    { useFactory: factory, useClass: CorsConfig },
    'useFactory | useClass | useExisting',
    'option_invalid',
    /given: useFactory, useClass/,
  ],
  ['a useFactory that is not a function', { useFactory: {} }, 'useFactory', 'option_invalid', /must be a function/],
  ['a useClass that is not a class', { useClass: 'CorsConfig' }, 'useClass', 'option_invalid', /must be a class/],
  ['a null useExisting', { useExisting: null }, 'useExisting', 'option_invalid', /injection token/],
  [
    'inject beside useClass',
    { useClass: CorsConfig, inject: ['CONFIG'] },
    'inject',
    'option_invalid',
    /only useFactory takes inject/,
  ],
  [
    'imports that are not a list',
    { useFactory: factory, imports: CorsConfig },
    'imports',
    'option_invalid',
    /must be a list/,
  ],
  [
    'a misspelled option',
    { useFactory: factory, injects: [] },
    'injects',
    'option_unknown',
    /unknown forRootAsync\(\) option/,
  ],
  ['no options object', undefined, 'options', 'option_invalid', /must be an object/],
];

describe('validateAsyncModuleOptions', () => {
  it.each(titled(ASYNC_REFUSED))('refuses %s', (_name, options, field, code, message) => {
    expect(validateAsyncModuleOptions(options as CorsModuleAsyncOptions)).toContainEqual({
      location: 'CorsModule.forRootAsync',
      field,
      code,
      message: expect.stringMatching(message),
    });
  });

  it.each([
    ['useFactory with inject', { useFactory: factory, inject: ['CONFIG'], imports: [], extraProviders: [] }],
    ['useClass', { useClass: CorsConfig }],
    ['useExisting with a class', { useExisting: CorsConfig }],
    ['useExisting with a string token', { useExisting: 'CORS_CONFIG' }],
  ] as const)('accepts %s', (_name, options) => {
    expect(validateAsyncModuleOptions(options as CorsModuleAsyncOptions)).toEqual([]);
  });

  it.each([
    ['undefined', undefined, /returned undefined/],
    ['null', null, /returned null/],
    ['a list', [], /returned a list/],
    ['a string', 'https://a.example.com', /returned a string/],
  ])('refuses a factory that returns %s as option_invalid', (_name, value, message) => {
    expect(validateAsyncResult(value, 'useFactory', 'the useFactory function')).toEqual([
      {
        location: 'CorsModule.forRootAsync',
        field: 'useFactory',
        code: 'option_invalid',
        message: expect.stringMatching(message),
      },
    ]);
    expect(validateAsyncResult({}, 'useFactory', 'the useFactory function')).toEqual([]);
  });

  it('refuses a useExisting provider without createCorsOptions() as option_invalid', () => {
    expect(validateOptionsFactory({ createOptions: factory }, 'useExisting', "'CORS_CONFIG'")).toEqual([
      {
        location: 'CorsModule.forRootAsync',
        field: 'useExisting',
        code: 'option_invalid',
        message: expect.stringMatching(/^'CORS_CONFIG' has no createCorsOptions\(\) method/),
      },
    ]);
    expect(validateOptionsFactory(new CorsConfig(), 'useClass', 'CorsConfig')).toEqual([]);
  });
});

/**
 * Every code, once each: TypeScript refuses this object when a code is added to
 * `CorsConfigurationProblemCode` without being listed here, so that the tables above, the TSDoc
 * and the README's table can be checked against it.
 */
const EVERY_CODE: Readonly<Record<CorsConfigurationProblemCode, true>> = {
  origins_missing: true,
  origins_empty: true,
  origin_prohibited: true,
  origin_wildcard_in_list: true,
  origin_type_invalid: true,
  origin_invalid: true,
  origin_pattern_invalid: true,
  origin_pattern_ip_address: true,
  origin_public_suffix_wildcard: true,
  origin_insecure_credentialed: true,
  origin_port_wildcard_not_loopback: true,
  origin_dangerously_allowed: true,
  origin_stateful: true,
  origin_unanchored: true,
  origin_matches_null: true,
  origin_backtracking: true,
  methods_empty: true,
  method_invalid: true,
  method_forbidden: true,
  header_name_invalid: true,
  header_wildcard_in_list: true,
  header_cors_protocol: true,
  header_forbidden: true,
  headers_wildcard_credentialed: true,
  max_age_invalid: true,
  max_age_capped: true,
  origins_cache_invalid: true,
  origins_cache_without_callback: true,
  field_invalid: true,
  field_unknown: true,
  dangerously_allow_unneeded: true,
  policy_unknown: true,
  option_invalid: true,
  option_unknown: true,
  path_invalid: true,
};

describe('CorsConfigurationProblemCode', () => {
  const codes = Object.keys(EVERY_CODE).sort();

  it('has every code produced by a row of the tables above', () => {
    const tabled = new Set<string>([
      ...REFUSED.map((row) => row[3]),
      ...MODULE_REFUSED.map((row) => row[3]),
      ...ASYNC_REFUSED.map((row) => row[3]),
      'origin_backtracking', // BACKTRACKING, below
      'max_age_capped', // a warning
      'origin_dangerously_allowed', // a warning: ESCAPE_HATCHES, below
      'dangerously_allow_unneeded', // a warning: ESCAPE_HATCHES, below
      'policy_unknown', // resolveRoutePolicy (resolve.spec.ts)
    ]);
    expect([...tabled].sort()).toEqual(codes);
  });

  it('is documented, code by code, in the TSDoc and in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const policyFields = readme.slice(
      readme.indexOf('\n## Policy fields'),
      readme.indexOf('\n## ', readme.indexOf('\n## Policy fields') + 1),
    );
    expect([...policyFields.matchAll(/^\| `([a-z]+(?:_[a-z]+)+)` \|/gm)].map(([, code]) => code).sort()).toEqual(codes);
    const tsdoc = readFileSync(new URL('../../lib/policy/configuration-error.ts', import.meta.url), 'utf8');
    expect([...tsdoc.matchAll(/^ \* - `([a-z_]+)`:/gm)].map(([, code]) => code).sort()).toEqual(codes);
  });
});

describe('a __proto__ key in options read from JSON', () => {
  it('is refused as an unknown field instead of becoming hidden defaults', () => {
    const merged = mergePolicies(JSON.parse('{"__proto__": {"origins": "*"}}') as CorsPolicy);
    expect(merged.origins).toBeUndefined();
    expect(validatePolicy(merged, AT).problems).toContainEqual(
      expect.objectContaining({
        field: '__proto__',
        code: 'field_unknown',
        message: expect.stringMatching(/unknown policy field/),
      }),
    );
  });
});

/**
 * RegExp origins that can backtrack catastrophically, refused at bootstrap: `RegExp.test` runs on
 * the event loop, and `(a+)+` takes seconds on `https://` and 30 `a`s.
 */
const BACKTRACKING: readonly [string, RegExp, RegExp][] = [
  ['nested quantifiers', /^https:\/\/(a+)+\.example\.com$/, /can backtrack catastrophically/],
  ['nested quantifiers over a class', /^https:\/\/([a-z0-9-]+)*\.example\.com$/, /can backtrack catastrophically/],
  ['a starred group of a star', /^https:\/\/(.*)*$/, /can backtrack catastrophically/],
  [
    'a repeated group of a label and an optional dot',
    /^https:\/\/(\w+\.?)+example\.com$/,
    /can backtrack catastrophically/,
  ],
  ['a starred alternation of equal branches', /^https:\/\/(a|a)*\.example\.com$/, /may backtrack catastrophically/],
  [
    'a repeated alternation of overlapping branches',
    /^https:\/\/(a|aa)+\.example\.com$/,
    /may backtrack catastrophically/,
  ],
  [
    'adjacent quantifiers over the same characters',
    /^https:\/\/\d+\d+\.example\.com$/,
    /can backtrack catastrophically/,
  ],
  ['two wildcards around a literal', /^https:\/\/.*example.*$/, /can backtrack catastrophically/],
  [
    'nested quantifiers in a named group',
    /^https:\/\/(?<tenant>[a-z]+)*\.example\.com$/,
    /can backtrack catastrophically/,
  ],
  ['nested quantifiers, case-insensitive', /^https:\/\/(a+)+\.example\.com$/i, /can backtrack catastrophically/],
];

/**
 * Anchored RegExp origins the checker finds safe: the documented kinds, and every RegExp the
 * tests, the sample and the benchmarks give the library (`bench/tools/redos-timing.mjs` times
 * each against hostile 300-character origins).
 */
const SAFE_REGEXPS: readonly RegExp[] = [
  /^https:\/\/[a-z]+\.example\.com$/,
  /^https:\/\/[a-z0-9-]+\.example\.com$/,
  /^https:\/\/app\.example\.com$/i,
  /^https:\/\/(?:[a-z0-9-]+\.)*partner\.example\.com(?::\d+)?$/,
  /^https:\/\/(?:[a-z0-9-]+\.)+partner\.example\.com$/,
  /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+partner\.example\.com$/,
  /^https:\/\/([a-z0-9-]+)\.tenants\.example\.net$/,
  /^https?:\/\/localhost:\d+$/,
  /^https:\/\/.+\.example\.org$/,
  /^https:\/\/.+$/,
  /^https:\/\/preview-[0-9]+\.example\.org$/,
  /^https:\/\/STAGING\.example\.org$/i,
  /^https:\/\/[a-z.]+\.example\.com$/i,
  /^[a-z0-9_ ]+:\/\/.+$/i,
  /^https:\/\/e\.example\.com$/,
  /^https:\/\/(?<tenant>[a-z]+)\.grouped\.example\.com$/,
  /^https:\/\/([a-z]+)-\1\.example\.com$/,
  /^https:\/\/(?<t>[a-z]+)\.\k<t>\.example\.net$/,
  /^https:\/\/(?:[a-z0-9-]+\.)*example\.(?:com|org|net)$/,
];

describe('RegExp origins that can backtrack catastrophically', () => {
  // The checker takes up to a second or two on a RegExp it gives up on (more on a busy machine).
  const CHECKER_TIMEOUT = 30_000;

  it.each(BACKTRACKING)(
    'refuses a RegExp origin with %s at bootstrap',
    (_name, regexp, message) => {
      const { problems } = validatePolicy({ origins: ['https://app.example.com', regexp] }, AT);
      expect(problems).toEqual([
        { location: AT, field: 'origins[1]', code: 'origin_backtracking', message: expect.stringMatching(message) },
      ]);
      expect(problems[0].message.startsWith(`${regexp} `)).toBe(true);
    },
    CHECKER_TIMEOUT,
  );

  it('names the field of a single RegExp origin without an index', () => {
    expect(validatePolicy({ origins: /^https:\/\/(a+)+\.example\.com$/ }, AT).problems).toEqual([
      {
        location: AT,
        field: 'origins',
        code: 'origin_backtracking',
        message: expect.stringMatching(/can backtrack catastrophically/),
      },
    ]);
  });

  it(
    'reports backtracking beside the other problems of the same RegExp',
    () => {
      const { problems } = validatePolicy({ origins: [/(a+)+\.example\.com$/g] }, AT);
      expect(problems.map((p) => p.message.replace(/^\/.*\/g /, ''))).toEqual([
        expect.stringMatching(/^has the 'g' flag/),
        expect.stringMatching(/^is not anchored/),
        expect.stringMatching(/^can backtrack catastrophically/),
      ]);
    },
    CHECKER_TIMEOUT,
  );

  it('refuses a RegExp the checker cannot read rather than let it through unchecked', () => {
    // redos-detector does not parse the `v` flag (Node 20 has it).
    expect(validatePolicy({ origins: [new RegExp('^https:\\/\\/app\\.example\\.com$', 'v')] }, AT).problems).toEqual([
      {
        location: AT,
        field: 'origins[0]',
        code: 'origin_backtracking',
        message: expect.stringMatching(/cannot be checked for catastrophic backtracking/),
      },
    ]);
  });

  it.each(SAFE_REGEXPS.map((regexp) => [String(regexp), regexp] as const))(
    'accepts the anchored RegExp origin %s',
    (_name, regexp) => {
      expect(validatePolicy({ origins: [regexp] }, AT).problems).toEqual([]);
    },
  );

  it.each(
    SAFE_REGEXPS.filter((regexp) => !regexp.source.includes('(?<')).map((regexp) => [String(regexp), regexp] as const),
  )('accepts %s because redos-detector finds it safe', (_name, regexp) => {
    expect(isSafe(regexp, { maxSteps: 10_000 })).toMatchObject({ safe: true, error: null });
  });

  it('only ever runs a RegExp origin on an origin no longer than MAX_ORIGIN_LENGTH', () => {
    const regexp = /^https:\/\/[a-z0-9.-]+\.bounded\.example$/;
    expect(validatePolicy({ origins: [regexp] }, AT).problems).toEqual([]);
    const matcher = OriginMatcher.ofEntries([regexp]);
    const exec = jest.spyOn(RegExp.prototype, 'exec');
    try {
      const label = 'a'.repeat(60);
      const longest = `https://${[label, label, label].join('.')}.bounded.example`;
      const tooLong = `https://${`${label}.`.repeat(200)}bounded.example`;
      expect(matcher.matches(longest)).toBe(true);
      expect(matcher.matches(tooLong)).toBe(false);
      expect(matcher.matches(`https://${'a'.repeat(100_000)}`)).toBe(false);
      const inputs = exec.mock.calls
        .filter((_call, i) => (exec.mock.contexts[i] as RegExp).source.includes('bounded'))
        .map(([input]) => String(input));
      expect(inputs).toContain(longest);
      expect(Math.max(...inputs.map((input) => input.length))).toBeLessThanOrEqual(MAX_ORIGIN_LENGTH);
    } finally {
      exec.mockRestore();
    }
  });
});
