import fc from 'fast-check';
import { FindMyWayRouter } from '../../lib/routing/find-my-way-router.js';
import type { RouteMatchingOptions } from '../../lib/routing/path-router.js';
import { isPlainTemplate, PlainPathRouter } from '../../lib/routing/plain-path-router.js';
import { AmbiguousRoutePolicy, RouteTable } from '../../lib/routing/route-table.js';
import { routeShape } from '../../lib/routing/route-shape.js';
import { compilePolicy } from '../../lib/policy/compile.js';

const STRICT: RouteMatchingOptions = { caseSensitive: true, ignoreTrailingSlash: false };
const LENIENT: RouteMatchingOptions = { caseSensitive: false, ignoreTrailingSlash: true };

function plainRouter(options: RouteMatchingOptions, routes: readonly [string, string][]): PlainPathRouter<string> {
  const router = new PlainPathRouter<string>(options);
  for (const [method, template] of routes) router.add(method, template, `${method} ${template}`);
  return router;
}

describe('isPlainTemplate', () => {
  it.each(['/', '/items', '/items/:id', '/v1/orders/:orderId/lines/:line', '/files/*', '/*', '/a//b', '/items/'])(
    'holds %s in the segment tree',
    (template) => expect(isPlainTemplate(template)).toBe(true),
  );

  it.each(['/files/:name.:ext', '/range/:from-:to', '/users/:id(\\d+)', '/items/:id?', '/files/*/meta', '/a*', '/a::b', 'items'])(
    'leaves %s to find-my-way',
    (template) => expect(isPlainTemplate(template)).toBe(false),
  );
});

describe('PlainPathRouter', () => {
  const router = plainRouter(STRICT, [
    ['GET', '/items'],
    ['GET', '/items/:id'],
    ['GET', '/items/special'],
    ['GET', '/items/:id/lines'],
    ['GET', '/items/special/:x/deep'],
    ['GET', '/files/*'],
    ['DELETE', '/items/:id'],
    ['GET', '/'],
  ]);

  it.each([
    ['a static segment over a parameter', 'GET', '/items/special', 'GET /items/special'],
    ['a parameter where no static segment fits', 'GET', '/items/42', 'GET /items/:id'],
    ['a parameter after a static branch dead-ends (backtracking)', 'GET', '/items/special/lines', 'GET /items/:id/lines'],
    ['the wildcard for any rest, slashes included', 'GET', '/files/a/b/c.txt', 'GET /files/*'],
    ['the wildcard for an empty rest', 'GET', '/files/', 'GET /files/*'],
    ['the root', 'GET', '/', 'GET /'],
    ['the method’s own tree', 'DELETE', '/items/7', 'DELETE /items/:id'],
    ['an empty parameter, as find-my-way does', 'GET', '/items/', 'GET /items/:id'],
    ['the path of an absolute-form request target', 'GET', 'http://api.example.com/items/9', 'GET /items/:id'],
    ['a percent-encoded static segment, decoded', 'GET', '/it%65ms', 'GET /items'],
  ])('finds %s', (_what, method, path, expected) => {
    expect(router.find(method, path)).toBe(expected);
  });

  it.each([
    ['a wildcard route without the slash before it', 'GET', '/files'],
    ['a method with no routes', 'PUT', '/items'],
    ['a path longer than every route', 'GET', '/items/1/lines/2'],
    ['a trailing slash when slashes are strict', 'GET', '/items/1/lines/'],
    ['another case when matching is case-sensitive', 'GET', '/ITEMS'],
    ['malformed percent-encoding', 'GET', '/items/%zz/lines'],
    ['an encoded slash as a separator', 'GET', '/items%2F1'],
    ['the asterisk-form request target', 'GET', '*'],
  ])('finds nothing for %s', (_what, method, path) => {
    expect(router.find(method, path)).toBeUndefined();
  });

  it('refuses a parameter longer than maxParamLength, counting escapes as one character', () => {
    const short = plainRouter({ ...STRICT, maxParamLength: 3 }, [['GET', '/items/:id']]);
    expect(short.find('GET', '/items/abc')).toBe('GET /items/:id');
    expect(short.find('GET', '/items/a%2Fc')).toBe('GET /items/:id');
    expect(short.find('GET', '/items/abcd')).toBeUndefined();
  });

  it('ignores case and a trailing slash when the adapter does', () => {
    const lenient = plainRouter(LENIENT, [['GET', '/Items/:id/'], ['GET', '/']]);
    expect(lenient.find('GET', '/ITEMS/9/')).toBe('GET /Items/:id/');
    expect(lenient.find('GET', '/items/9')).toBe('GET /Items/:id/');
    expect(lenient.find('GET', '/')).toBe('GET /');
  });

  it('holds no template beyond the plain syntax', () => {
    const router = new PlainPathRouter<string>(STRICT);
    expect(router.add('GET', '/a/:b-:c', 'x')).toBeUndefined();
    expect(router.find('GET', '/a/1-2')).toBeUndefined();
  });

  it('keeps the first value of a route added twice, and says which it holds', () => {
    const router = new PlainPathRouter<string>(LENIENT);
    expect(router.add('GET', '/items/:id', 'first')).toBe('first');
    expect(router.add('GET', '/Items/:itemId/', 'second')).toBe('first');
    expect(router.find('GET', '/items/1')).toBe('first');
  });
});

describe('PlainPathRouter where the first registered route wins (Express)', () => {
  const EXPRESS: RouteMatchingOptions = { ...LENIENT, firstRegisteredWins: true };
  const ordered = (routes: readonly string[]): PlainPathRouter<number> => {
    const router = new PlainPathRouter<number>(EXPRESS, (order) => order);
    routes.forEach((template, order) => router.add('GET', template, order));
    return router;
  };

  it('serves a parameter route registered before a static one it shadows', () => {
    expect(ordered(['/items/:id', '/items/special']).find('GET', '/items/special')).toBe(0);
    expect(ordered(['/items/special', '/items/:id']).find('GET', '/items/special')).toBe(0);
  });

  it('serves a wildcard registered first over everything under it', () => {
    expect(ordered(['/files/*', '/files/:name', '/files/readme']).find('GET', '/files/readme')).toBe(0);
  });

  it('ignores the order without firstRegisteredWins', () => {
    const router = new PlainPathRouter<number>(LENIENT, (order) => order);
    router.add('GET', '/items/:id', 0);
    router.add('GET', '/items/special', 1);
    expect(router.find('GET', '/items/special')).toBe(1);
  });
});

describe('RouteTable', () => {
  const small = compilePolicy({ origins: ['https://a.example.com'] });
  const other = compilePolicy({ origins: ['https://b.example.com'] });

  it('serves HEAD from GET routes and falls back to @All() routes', () => {
    const table = new RouteTable(STRICT);
    table.add('GET', '/items', small, 'Items.list');
    table.add('ALL', '/any/*', other, 'Any.all');
    expect(table.find('HEAD', '/items')?.location).toBe('Items.list');
    expect(table.find('PATCH', '/any/thing')?.location).toBe('Any.all');
    expect(table.find('PATCH', '/items')).toBeUndefined();
  });

  it('takes the first registered of the method’s, GET’s (for HEAD) and @All() routes, as Express does', () => {
    const table = new RouteTable({ ...LENIENT, firstRegisteredWins: true });
    table.add('ALL', '/api/*', other, 'Proxy.all');
    table.add('GET', '/api/items', small, 'Items.list');
    table.add('GET', '/own/:id', small, 'Own.get');
    table.add('HEAD', '/own/:id', other, 'Own.head');
    expect(table.find('GET', '/api/items')?.location).toBe('Proxy.all');
    expect(table.find('HEAD', '/own/1')?.location).toBe('Own.get');
  });

  it('makes one route of templates that differ only in case when matching ignores case', () => {
    const table = new RouteTable(LENIENT);
    table.add('GET', '/Items', small, 'A.list');
    table.add('GET', '/items/', other, 'B.list');
    expect(table.routes()).toHaveLength(1);
    expect(table.find('GET', '/ITEMS')?.policy).toBeInstanceOf(AmbiguousRoutePolicy);
  });

  it('makes a path shared by handlers with different policies ambiguous', () => {
    const table = new RouteTable(STRICT);
    table.add('GET', '/items/:id', small, 'V1.get');
    table.add('GET', '/items/:itemId', other, 'V2.get');
    const entry = table.find('GET', '/items/3');
    expect(entry?.policy).toBeInstanceOf(AmbiguousRoutePolicy);
    expect(entry?.location).toBe('V1.get | V2.get');
  });

  it('keeps finding every route, in find-my-way’s ranking, once a route beyond the plain syntax arrives', () => {
    const table = new RouteTable(STRICT);
    table.add('GET', '/files/:name', small, 'Files.byName');
    table.add('GET', '/files/*', small, 'Files.rest');
    table.add('GET', '/files/:name.:ext', other, 'Files.withExtension');
    table.add('GET', '/users/:id(^\\d+$)', other, 'Users.byNumber');
    expect(table.find('GET', '/files/report')?.location).toBe('Files.byName');
    expect(table.find('GET', '/files/report.pdf')?.location).toBe('Files.withExtension');
    expect(table.find('GET', '/files/a/b')?.location).toBe('Files.rest');
    expect(table.find('GET', '/users/42')?.location).toBe('Users.byNumber');
    expect(table.find('GET', '/users/ab')).toBeUndefined();
  });
});

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

describe('PlainPathRouter against find-my-way', () => {
  const staticSegment = fc.constantFrom('a', 'b', 'B', 'ab', 'x-y', '', 'é');
  const templateSegment = fc.oneof(staticSegment, fc.constantFrom(':p', ':q'));
  const template = fc
    .tuple(fc.array(templateSegment, { maxLength: 4 }), fc.boolean())
    .map(([segments, wildcard]) => `/${[...segments, ...(wildcard ? ['*'] : [])].join('/')}`);
  const pathSegment = fc.oneof(
    staticSegment,
    fc.constantFrom('A', 'c', '%61', '%41', '%2F', '%2f', '%25', '%zz', '%', '%C3%A9', '%C3', 'a%3Bb', '1234567', 'a#b', '#', '%23'),
  );
  const path = fc.array(pathSegment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
  const options = fc.record({ caseSensitive: fc.boolean(), ignoreTrailingSlash: fc.boolean(), maxParamLength: fc.constantFrom(3, 100) });
  const method = fc.constantFrom('GET', 'POST');

  it('finds the same route as find-my-way for every path', () => {
    fc.assert(
      fc.property(options, fc.array(fc.tuple(method, template), { maxLength: 12 }), fc.array(fc.tuple(method, path), { maxLength: 10 }), (opts, routes, requests) => {
        const plain = new PlainPathRouter<string>(opts);
        const reference = new FindMyWayRouter<string>(opts);
        const seen = new Set<string>();
        for (const [m, t] of routes) {
          // One template per method and shape, as the route table adds them to find-my-way.
          const shape = `${m} ${routeShape(t)}`;
          if (seen.has(shape)) continue;
          try {
            reference.add(m, t, `${m} ${t}`);
          } catch {
            continue; // find-my-way sees a duplicate (case or trailing slash folded): so does the table
          }
          seen.add(shape);
          expect(plain.add(m, t, `${m} ${t}`)).toBe(`${m} ${t}`);
        }
        for (const [m, p] of requests) expect(plain.find(m, p)).toBe(reference.find(m, p));
      }),
      RUNS,
    );
  });

  it('finds the first registered route that find-my-way would match on its own, when the first wins', () => {
    fc.assert(
      fc.property(options, fc.array(template, { maxLength: 10 }), fc.array(path, { maxLength: 10 }), (opts, templates, paths) => {
        const plain = new PlainPathRouter<number>({ ...opts, firstRegisteredWins: true }, (order) => order);
        const alone: FindMyWayRouter<number>[] = [];
        const seen = new Set<string>();
        templates.forEach((t) => {
          const single = new FindMyWayRouter<number>(opts);
          if (seen.has(routeShape(t))) return;
          seen.add(routeShape(t));
          const order = alone.length + 1; // find-my-way drops a falsy store: no 0
          single.add('GET', t, order);
          if (plain.add('GET', t, order) !== order) return; // folded into an earlier route (case, trailing slash)
          alone.push(single);
        });
        for (const p of paths) {
          const first = alone.findIndex((single) => single.find('GET', p) !== undefined);
          expect(plain.find('GET', p)).toBe(first === -1 ? undefined : first + 1);
        }
      }),
      RUNS,
    );
  });
});
