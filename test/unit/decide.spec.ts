import type { CorsRequest } from '../../lib/cors-module-options.js';
import { decidePreflight, decideRequest } from '../../lib/policy/decide.js';
import { RecordedHeaders } from '../../lib/policy/response-headers.js';
import { compilePolicy } from '../support/policies.js';

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
const TIMEOUT = 1000;

/** An origin callback that answers only when told to. */
function deferredCallback(): {
  readonly origins: (origin: string) => Promise<boolean>;
  settle(allowed: boolean): void;
} {
  let settle: (allowed: boolean) => void = () => undefined;
  return {
    origins: () => new Promise<boolean>((resolve) => (settle = resolve)),
    settle: (allowed) => settle(allowed),
  };
}

function request(method: string, url: string, headers: Record<string, string>): CorsRequest {
  return { method, url, headers };
}

function preflight(method: string, origin: string, extra: Record<string, string> = {}): CorsRequest {
  return request('OPTIONS', '/items', { origin, 'access-control-request-method': method, ...extra });
}

/** An actual request from TENANT under a policy whose origin callback has not answered yet. */
function actualRequestAwaitingCallback() {
  const callback = deferredCallback();
  const response = new FakeResponse();
  const pending = decideRequest(
    compilePolicy({ origins: callback.origins }),
    request('GET', '/tenants', { origin: TENANT }),
    response,
    TIMEOUT,
  );
  return { callback, response, pending };
}

const listed = compilePolicy({
  origins: [APP],
  credentials: true,
  exposedHeaders: ['X-Total-Count'],
  methods: ['GET', 'PUT'],
  maxAge: 600,
});

describe('decideRequest', () => {
  it('decorates an actual response from an allowed origin synchronously', () => {
    const response = new FakeResponse();
    expect(decideRequest(listed, request('GET', '/items?page=2', { origin: APP }), response, TIMEOUT)).toEqual({
      allowed: true,
    });
    expect(response.toJSON()).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Total-Count',
    });
  });

  it('writes only Vary for a request without Origin to a route that varies by origin', () => {
    const response = new FakeResponse();
    expect(decideRequest(listed, request('GET', '/items', {}), response, TIMEOUT)).toBeUndefined();
    expect(response.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('writes only Vary for an origin the policy does not allow', () => {
    const response = new FakeResponse();
    expect(decideRequest(listed, request('GET', '/items', { origin: TENANT }), response, TIMEOUT)).toMatchObject({
      allowed: false,
      reason: 'origin_not_allowed',
    });
    expect(response.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('writes no allow headers when a slow origin callback allows after the response was sent', async () => {
    const { callback, response, pending } = actualRequestAwaitingCallback();
    response.headersSent = true;
    callback.settle(true);
    await expect(pending).resolves.toEqual({ allowed: true });
    expect(response.toJSON()).toEqual({ vary: 'Origin' });
  });

  it('writes the allow headers when a slow origin callback allows before the response was sent', async () => {
    const { callback, response, pending } = actualRequestAwaitingCallback();
    callback.settle(true);
    await pending;
    expect(response.toJSON()).toEqual({ vary: 'Origin', 'access-control-allow-origin': TENANT });
  });

  it('decides synchronously when the origin callback answers with a plain boolean', () => {
    const policy = compilePolicy({ origins: (origin) => origin === TENANT });
    const allowed = new FakeResponse();
    expect(decideRequest(policy, request('GET', '/tenants', { origin: TENANT }), allowed, TIMEOUT)).toEqual({
      allowed: true,
    });
    expect(allowed.toJSON()).toEqual({ vary: 'Origin', 'access-control-allow-origin': TENANT });
    const refused = new FakeResponse();
    expect(decideRequest(policy, request('GET', '/tenants', { origin: APP }), refused, TIMEOUT)).toMatchObject({
      allowed: false,
    });
    expect(refused.toJSON()).toEqual({ vary: 'Origin' });
  });
});

describe('decidePreflight', () => {
  it('allows a preflight for a listed method and names only that method', () => {
    const response = new FakeResponse();
    expect(decidePreflight([listed], preflight('PUT', APP), APP, 'PUT', response, TIMEOUT)).toMatchObject({
      allowed: true,
    });
    expect(response.toJSON()).toMatchObject({
      'access-control-allow-methods': 'PUT',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
    });
  });

  it('writes no preflight allow headers when a slow origin callback allows after the response was sent', async () => {
    const callback = deferredCallback();
    const response = new FakeResponse();
    const pending = decidePreflight(
      [compilePolicy({ origins: callback.origins, methods: ['PUT'] })],
      preflight('PUT', TENANT),
      TENANT,
      'PUT',
      response,
      TIMEOUT,
    );
    response.headersSent = true;
    callback.settle(true);
    await expect(pending).resolves.toMatchObject({ allowed: true });
    expect(response.toJSON()).toEqual({
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
  });

  it('refuses a preflight that one of several candidate handlers does not allow, whichever comes first', () => {
    const other = compilePolicy({ origins: [TENANT] });
    for (const candidates of [
      [listed, other],
      [other, listed],
    ]) {
      const response = new FakeResponse();
      expect(decidePreflight(candidates, preflight('GET', APP), APP, 'GET', response, TIMEOUT)).toMatchObject({
        allowed: false,
        reason: 'origin_not_allowed',
      });
      expect(response.getHeader('access-control-allow-origin')).toBeUndefined();
    }
  });

  it('waits for every candidate, callbacks included, before it allows', async () => {
    const callback = deferredCallback();
    const response = new FakeResponse();
    const pending = decidePreflight(
      [listed, compilePolicy({ origins: callback.origins })],
      preflight('GET', APP),
      APP,
      'GET',
      response,
      TIMEOUT,
    );
    expect(response.getHeader('access-control-allow-origin')).toBeUndefined();
    callback.settle(false);
    await expect(pending).resolves.toMatchObject({ allowed: false, reason: 'origin_not_allowed' });
    expect(response.getHeader('access-control-allow-origin')).toBeUndefined();
  });

  it('grants several candidates only what all of them grant: credentials, the shortest max age, the origin itself', () => {
    const anyOrigin = compilePolicy({ origins: '*', maxAge: 60 });
    const response = new FakeResponse();
    expect(decidePreflight([anyOrigin, listed], preflight('GET', APP), APP, 'GET', response, TIMEOUT)).toMatchObject({
      allowed: true,
    });
    expect(response.getHeader('access-control-allow-origin')).toBe(APP);
    expect(response.getHeader('access-control-allow-credentials')).toBeUndefined();
    expect(response.getHeader('access-control-max-age')).toBe('60');
  });

  it('does not ask whether the head was sent on the synchronous path, for actual responses and preflights', () => {
    const actual = new UnaskedResponse();
    expect(() => decideRequest(listed, request('PUT', '/items', { origin: APP }), actual, TIMEOUT)).not.toThrow();
    expect(actual.getHeader('access-control-allow-origin')).toBe(APP);
    const answered = new UnaskedResponse();
    expect(() => decidePreflight([listed], preflight('PUT', APP), APP, 'PUT', answered, TIMEOUT)).not.toThrow();
    expect(answered.getHeader('access-control-allow-methods')).toBe('PUT');
  });
});
