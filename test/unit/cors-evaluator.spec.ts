import { CorsEvaluator } from '../../lib/cors-evaluator.js';
import type { CorsRequest } from '../../lib/cors-module-options.js';
import { compilePolicy } from '../../lib/policy/compile.js';
import { RecordedHeaders } from '../../lib/policy/recorded-headers.js';
import { RouteTable } from '../../lib/routing/route-table.js';

/** A response whose head can be sent while an origin callback is still out. */
class FakeResponse extends RecordedHeaders {
  headersSent = false;
}

/** A response that fails the test if anything asks whether its head was sent. */
class UnaskedResponse extends RecordedHeaders {
  get headersSent(): boolean {
    throw new Error('asked whether the head was sent');
  }
}

const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example.org';

/** An origin callback that answers only when told to. */
function deferredCallback(): { readonly origins: (origin: string) => Promise<boolean>; settle(allowed: boolean): void } {
  let settle: (allowed: boolean) => void = () => undefined;
  return {
    origins: () => new Promise<boolean>((resolve) => (settle = resolve)),
    settle: (allowed) => settle(allowed),
  };
}

function evaluatorFor(routes: (table: RouteTable) => void): CorsEvaluator {
  const table = new RouteTable({ caseSensitive: true, ignoreTrailingSlash: false });
  routes(table);
  return new CorsEvaluator(table, 1000, false);
}

function request(method: string, url: string, headers: Record<string, string>): CorsRequest {
  return { method, url, headers } as CorsRequest;
}

/** An actual request from TENANT to a route whose origin callback has not answered yet. */
function actualRequestAwaitingCallback() {
  const callback = deferredCallback();
  const evaluator = evaluatorFor((table) => table.add('GET', '/tenants', compilePolicy({ origins: callback.origins }), 'Tenants.list'));
  const response = new FakeResponse();
  const pending = evaluator.evaluate(request('GET', '/tenants', { origin: TENANT }), response, (target) => target);
  return { callback, response, pending };
}

const listed = compilePolicy({ origins: [APP], credentials: true, exposedHeaders: ['X-Total-Count'], methods: ['GET', 'PUT'] });

describe('CorsEvaluator', () => {
  it('decorates an actual response from an allowed origin synchronously', () => {
    const evaluator = evaluatorFor((table) => table.add('GET', '/items', listed, 'Items.list'));
    const response = new FakeResponse();
    const evaluation = evaluator.evaluate(request('GET', '/items?page=2', { origin: APP }), response, (target) => target);
    expect(evaluation).toMatchObject({ kind: 'request', verdict: { allowed: true } });
    expect(response.toJSON()).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Total-Count',
    });
  });

  it('writes only Vary for a request without Origin to a route that varies by origin', () => {
    const evaluator = evaluatorFor((table) => table.add('GET', '/items', listed, 'Items.list'));
    const response = new FakeResponse();
    expect(evaluator.evaluate(request('GET', '/items', {}), response, (target) => target)).toMatchObject({ kind: 'request', verdict: undefined });
    expect(response.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('writes no allow headers when a slow origin callback allows after the response was sent', async () => {
    const { callback, response, pending } = actualRequestAwaitingCallback();
    response.headersSent = true;
    callback.settle(true);
    await expect(pending).resolves.toMatchObject({ kind: 'request', verdict: { allowed: true } });
    expect(response.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('writes the allow headers when a slow origin callback allows before the response was sent', async () => {
    const { callback, response, pending } = actualRequestAwaitingCallback();
    callback.settle(true);
    await pending;
    expect(response.toJSON()).toEqual({ vary: 'Origin', 'access-control-allow-origin': TENANT });
  });

  it('writes no preflight allow headers when a slow origin callback allows after the response was sent', async () => {
    const callback = deferredCallback();
    const evaluator = evaluatorFor((table) => table.add('PUT', '/tenants', compilePolicy({ origins: callback.origins, methods: ['PUT'] }), 'Tenants.update'));
    const response = new FakeResponse();
    const pending = evaluator.evaluate(
      request('OPTIONS', '/tenants', { origin: TENANT, 'access-control-request-method': 'PUT' }),
      response,
      (target) => target,
    );
    response.headersSent = true;
    callback.settle(true);
    await expect(pending).resolves.toMatchObject({ kind: 'preflight', allowed: true });
    expect(response.toJSON()).toEqual({ vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' });
  });

  it('writes only Vary for an origin the policy does not allow', () => {
    const evaluator = evaluatorFor((table) => table.add('GET', '/items', listed, 'Items.list'));
    const response = new FakeResponse();
    const evaluation = evaluator.evaluate(request('GET', '/items', { origin: TENANT }), response, (target) => target);
    expect(evaluation).toMatchObject({ kind: 'request', verdict: { allowed: false, reason: 'origin_not_allowed' } });
    expect(response.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('decides synchronously when the origin callback answers with a plain boolean', () => {
    const evaluator = evaluatorFor((table) => table.add('GET', '/tenants', compilePolicy({ origins: (origin) => origin === TENANT }), 'Tenants.list'));
    const allowed = new FakeResponse();
    expect(evaluator.evaluate(request('GET', '/tenants', { origin: TENANT }), allowed, (target) => target)).toMatchObject({ verdict: { allowed: true } });
    expect(allowed.toJSON()).toEqual({ vary: 'Origin', 'access-control-allow-origin': TENANT });
    const refused = new FakeResponse();
    expect(evaluator.evaluate(request('GET', '/tenants', { origin: APP }), refused, (target) => target)).toMatchObject({ verdict: { allowed: false } });
    expect(refused.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('does not ask whether the head was sent on the synchronous path, for actual responses and preflights', () => {
    const evaluator = evaluatorFor((table) => table.add('PUT', '/items', listed, 'Items.update'));
    const actual = new UnaskedResponse();
    expect(() => evaluator.evaluate(request('PUT', '/items', { origin: APP }), actual, (target) => target)).not.toThrow();
    expect(actual.getHeader('access-control-allow-origin')).toBe(APP);
    const preflight = new UnaskedResponse();
    const preflightRequest = request('OPTIONS', '/items', { origin: APP, 'access-control-request-method': 'PUT' });
    expect(() => evaluator.evaluate(preflightRequest, preflight, (target) => target)).not.toThrow();
    expect(preflight.getHeader('access-control-allow-methods')).toBe('PUT');
  });
});
