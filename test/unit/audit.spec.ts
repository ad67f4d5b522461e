import type { CorsPolicy } from '../../lib/cors-module-options.js';
import { graphqlRisks, policyRisks, summarizePolicy, type CorsRiskCode } from '../../lib/policy/audit.js';

describe('summarizePolicy', () => {
  it.each([
    [
      'a list of origins, with every field set',
      {
        origins: ['https://app.example.com', /^https:\/\/[a-z]+\.example\.org$/i],
        credentials: true,
        methods: ['GET', 'PUT'],
        allowedHeaders: ['Content-Type'],
        exposedHeaders: ['X-Total-Count'],
        maxAge: 600,
        allowPrivateNetwork: true,
      },
      {
        origins: ['https://app.example.com', '/^https:\\/\\/[a-z]+\\.example\\.org$/i'],
        credentials: true,
        methods: ['GET', 'PUT'],
        allowedHeaders: ['Content-Type'],
        exposedHeaders: ['X-Total-Count'],
        maxAge: 600,
        allowPrivateNetwork: true,
      },
    ],
    [
      'a single origin, with nothing else set',
      { origins: 'https://app.example.com' },
      {
        origins: ['https://app.example.com'],
        credentials: false,
        methods: 'served',
        allowedHeaders: [],
        exposedHeaders: [],
        maxAge: null,
        allowPrivateNetwork: false,
      },
    ],
    [
      'any origin and any header',
      { origins: '*', allowedHeaders: '*', exposedHeaders: '*' },
      {
        origins: '*',
        credentials: false,
        methods: 'served',
        allowedHeaders: '*',
        exposedHeaders: '*',
        maxAge: null,
        allowPrivateNetwork: false,
      },
    ],
    [
      'an origin callback',
      { origins: () => true, maxAge: 0 },
      {
        origins: 'callback',
        credentials: false,
        methods: 'served',
        allowedHeaders: [],
        exposedHeaders: [],
        maxAge: 0,
        allowPrivateNetwork: false,
      },
    ],
  ] as [string, CorsPolicy, ReturnType<typeof summarizePolicy>][])(
    'shows %s as plain JSON',
    (_name, policy, summary) => {
      expect(summarizePolicy(policy)).toEqual(summary);
    },
  );
});

describe('policyRisks', () => {
  it.each([
    ['a credential-less list of exact origins', { origins: ['https://app.example.com'] }, []],
    ['credentials for exact origins', { origins: ['https://app.example.com'], credentials: true }, []],
    [
      'credentials for a pattern',
      { origins: ['https://*.example.com'], credentials: true },
      ['credentials_with_pattern'],
    ],
    [
      'credentials for a RegExp',
      { origins: /^https:\/\/app\.example\.com$/, credentials: true },
      ['credentials_with_regexp'],
    ],
    ['credentials decided by a callback', { origins: () => true, credentials: true }, ['credentials_with_callback']],
    ['credentials for the null origin', { origins: ['null'], credentials: true }, ['credentials_with_null_origin']],
    ['a pattern without credentials', { origins: ['https://*.example.com'] }, []],
    [
      'credentials for a port wildcard',
      { origins: ['http://localhost:*'], credentials: true },
      ['credentials_with_pattern'],
    ],
    ['a port wildcard without credentials', { origins: ['http://localhost:*'] }, []],
    [
      'a port wildcard let through on any host',
      { origins: ['https://staging.example.com:*'], dangerouslyAllow: { portWildcardOnAnyHost: true } },
      ['port_wildcard_on_any_host'],
    ],
    [
      'credentials let through over plain http',
      {
        origins: ['http://legacy.example.com'],
        credentials: true,
        dangerouslyAllow: { credentialsOverPlainHttp: true },
      },
      ['credentials_over_plain_http'],
    ],
    [
      'a wildcard let through under a public suffix',
      { origins: ['https://*.vercel.app'], dangerouslyAllow: { wildcardUnderPublicSuffix: true } },
      ['wildcard_under_public_suffix'],
    ],
    [
      'every hatch, set whether needed or not',
      {
        origins: ['https://app.example.com'],
        dangerouslyAllow: {
          portWildcardOnAnyHost: true,
          credentialsOverPlainHttp: true,
          wildcardUnderPublicSuffix: true,
        },
      },
      ['port_wildcard_on_any_host', 'credentials_over_plain_http', 'wildcard_under_public_suffix'],
    ],
    ['an empty dangerouslyAllow', { origins: ['https://app.example.com'], dangerouslyAllow: {} }, []],
    ['private network access', { origins: '*', allowPrivateNetwork: true }, ['private_network_access']],
    ['a max age above two hours', { origins: '*', maxAge: 7201 }, ['long_max_age']],
    ['a max age of two hours', { origins: '*', maxAge: 7200 }, []],
    [
      'several at once',
      { origins: ['https://*.example.com', 'null'], credentials: true, maxAge: 86400 },
      ['credentials_with_pattern', 'credentials_with_null_origin', 'long_max_age'],
    ],
  ] as [string, CorsPolicy, CorsRiskCode[]][])('finds %s: %j', (_name, policy, codes) => {
    expect(policyRisks(policy).map((risk) => risk.code)).toEqual(codes);
  });
});

describe('graphqlRisks', () => {
  it.each([
    ['/graphql', ['content-type'], ['Apollo-Require-Preflight']],
    ['/api/graphql', [], ['Content-Type', 'Apollo-Require-Preflight']],
    ['/graphql/', ['Apollo-Require-Preflight'], ['Content-Type']],
  ])('points out what a policy on %s lacks for Apollo (allowed %j)', (path, allowedHeaders, missing) => {
    const [risk] = graphqlRisks(path, { origins: ['https://app.example.com'], allowedHeaders });
    expect(risk.code).toBe('graphql_headers_missing');
    expect(risk.message).toContain(missing.join(' and '));
  });

  it.each([
    ['/graphql', ['Content-Type', 'X-Apollo-Operation-Name']],
    ['/graphql', '*' as const],
    ['/graphql-docs', []],
    ['/api/orders', []],
  ])('finds nothing to say about %s with allowedHeaders %j', (path, allowedHeaders) => {
    expect(graphqlRisks(path, { origins: ['https://app.example.com'], allowedHeaders })).toEqual([]);
  });
});
