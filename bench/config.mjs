// Shared by the parent (bench/run.mjs: what to request, what to expect) and the children
// (bench/child.mjs: which CORS configuration to build). Every variant of one scenario gets the
// same allow-list, written once here in each library's own syntax.

export const HOST = '127.0.0.1';

/** S1: an allowed origin (first entry of the small list). */
export const APP_ORIGIN = 'https://app.example.com';

/** The small allow-list of S1–S3, in nest-cors syntax... */
export const SMALL_ORIGINS = ['https://app.example.com', 'https://admin.example.com', 'https://*.partner.example.com'];
/** ...and the same list for `cors` / `@fastify/cors` (a wildcard pattern is a RegExp there). */
export const SMALL_ORIGINS_PEER = [
  'https://app.example.com',
  'https://admin.example.com',
  /^https:\/\/(?:[a-z0-9-]+\.)+partner\.example\.com$/,
];

/** S1w: an origin the small list's wildcard pattern allows (the S4w match, on a 3-entry list). */
export const SMALL_PATTERN_ORIGIN = 'https://shop.partner.example.com';

/** S4: 10,000 exact origins, then 50 wildcard patterns. */
export const BIG_EXACT_COUNT = 10_000;
export const BIG_PATTERN_COUNT = 50;
const bigExact = Array.from({ length: BIG_EXACT_COUNT }, (_, i) => `https://site-${i}.customers.example.com`);
const patternSuffix = (j) => `tenant-${j}.example.net`;
export const BIG_ORIGINS = [
  ...bigExact,
  ...Array.from({ length: BIG_PATTERN_COUNT }, (_, j) => `https://*.${patternSuffix(j)}`),
];
export const BIG_ORIGINS_PEER = [
  ...bigExact,
  ...Array.from(
    { length: BIG_PATTERN_COUNT },
    (_, j) => new RegExp(`^https:\\/\\/(?:[a-z0-9-]+\\.)+${patternSuffix(j).replaceAll('.', '\\.')}$`),
  ),
];
/** S4: an exact origin near the end of the 10,000 (a linear scan does 9,991 comparisons). */
export const BIG_EXACT_ORIGIN = `https://site-${BIG_EXACT_COUNT - 10}.customers.example.com`;
/** S4w: matched by the 49th of the 50 patterns, i.e. after all 10,000 exact entries. */
export const BIG_PATTERN_ORIGIN = `https://shop.${patternSuffix(BIG_PATTERN_COUNT - 2)}`;

/** S6: the origin callback looks origins up in a set of 1,000 tenants, asynchronously. */
export const DYN_TENANTS = new Set(Array.from({ length: 1000 }, (_, i) => `https://tenant-${i}.app.example.org`));
export const DYN_ORIGIN = 'https://tenant-500.app.example.org';
export const dynamicOriginCheck = async (origin) => DYN_TENANTS.has(origin);
/**
 * S6c: the same callback and origin with `originsCache`, as the README shows it. After the first
 * request the verdict is kept, so the callback runs again only once a minute: S6c measures a
 * hit, which is answered synchronously, like an exact origin (S1).
 */
export const DYN_CACHE = Object.freeze({ ttl: 60_000 });

/** The fields other than origins, identical across variants. */
export const COMMON_POLICY = {
  credentials: true,
  maxAge: 600,
  methods: ['GET', 'PUT'],
  allowedHeaders: ['Content-Type', 'X-Request-Id'],
  exposedHeaders: ['X-Total-Count'],
};

/** `app.enableCors()` options (the same object works for `cors` and `@fastify/cors`). */
export function peerCorsOptions(kind) {
  const base = {
    credentials: COMMON_POLICY.credentials,
    maxAge: COMMON_POLICY.maxAge,
    methods: COMMON_POLICY.methods,
    allowedHeaders: COMMON_POLICY.allowedHeaders,
    exposedHeaders: COMMON_POLICY.exposedHeaders,
  };
  if (kind === 'small') return { ...base, origin: SMALL_ORIGINS_PEER };
  if (kind === 'big') return { ...base, origin: BIG_ORIGINS_PEER };
  if (kind === 'async') {
    // Node-style callback, as both `cors` and `@fastify/cors` accept; the decision is the same
    // async function nest-cors gets.
    return {
      ...base,
      origin: (origin, callback) => {
        if (origin === undefined) return callback(null, false);
        dynamicOriginCheck(origin).then((allowed) => callback(null, allowed), callback);
      },
    };
  }
  throw new Error(`unknown peer CORS kind ${kind}`);
}

/** nest-cors named policies: one per allow-list. */
export const NEST_CORS_POLICIES = {
  small: { ...COMMON_POLICY, origins: SMALL_ORIGINS },
  big: { ...COMMON_POLICY, origins: BIG_ORIGINS },
  async: { ...COMMON_POLICY, origins: dynamicOriginCheck },
  'async-cached': { ...COMMON_POLICY, origins: dynamicOriginCheck, originsCache: DYN_CACHE },
};

/** S5: the size of the big application. */
export const MANY_CONTROLLERS = 100;
export const ROUTES_PER_CONTROLLER = 10;
/** S5's S1 request: a GET route in the middle of the 1,000. */
export const MANY_ROUTES_PATH = '/c50/r3/42';
