import type { IncomingHttpHeaders } from 'node:http';
import { checkConnectionOrigin, combine } from '../../lib/gateways/connection-origin.js';
import { isSameOriginHandshake } from '../../lib/gateways/same-origin.js';
import type { OriginVerdict } from '../../lib/policy/verdict.js';
import { compilePolicy } from '../support/policies.js';

const APP = 'https://app.example.com';
const LOBBY = 'https://lobby.example.com';
const partners = compilePolicy({ origins: [APP] });
const lobby = compilePolicy({ origins: [LOBBY] });
const slowLobby = compilePolicy({ origins: async (origin) => origin === LOBBY });

const handshake = (headers: IncomingHttpHeaders) => ({ method: 'GET', url: '/socket.io/', headers });

describe('isSameOriginHandshake', () => {
  const overTls = { encrypted: true };
  it.each<[string, IncomingHttpHeaders, object | undefined, boolean]>([
    ['Origin naming the Host', { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }, undefined, true],
    [
      'the default port left out of Origin',
      { origin: 'https://app.example.com', host: 'app.example.com:443' },
      overTls,
      true,
    ],
    [
      'the default port left out of both',
      { origin: 'https://app.example.com', host: 'app.example.com' },
      overTls,
      true,
    ],
    ['a Host in upper case', { origin: 'https://app.example.com', host: 'APP.example.com' }, overTls, true],
    [
      'TLS ended by a proxy that says so',
      { origin: 'https://app.example.com', host: 'app.example.com', 'x-forwarded-proto': 'https' },
      undefined,
      true,
    ],
    [
      'Sec-Fetch-Site: same-origin',
      { origin: APP, host: 'internal:8080', 'sec-fetch-site': 'same-origin' },
      undefined,
      true,
    ],
    [
      'a plain-http page on the host served over TLS',
      { origin: 'http://app.example.com', host: 'app.example.com' },
      overTls,
      false,
    ],
    [
      'a plain-http page through a proxy that ended TLS',
      { origin: 'http://app.example.com', host: 'app.example.com', 'x-forwarded-proto': 'https' },
      undefined,
      false,
    ],
    ['an https page naming a Host reached without TLS', { origin: APP, host: 'app.example.com' }, undefined, false],
    ['another host', { origin: 'https://evil.example.org', host: 'app.example.com' }, overTls, false],
    ['another port', { origin: 'http://127.0.0.1:3001', host: '127.0.0.1:3000' }, undefined, false],
    ['a look-alike', { origin: 'https://app.example.com.evil.org', host: 'app.example.com' }, overTls, false],
    [
      'Sec-Fetch-Site: same-site',
      { origin: APP, host: 'api.example.com', 'sec-fetch-site': 'same-site' },
      overTls,
      false,
    ],
    [
      'an explicit default port in Origin (no browser sends it)',
      { origin: 'https://app.example.com:443', host: 'app.example.com' },
      overTls,
      false,
    ],
    ['an extension origin', { origin: 'chrome-extension://abcdef', host: 'abcdef' }, overTls, false],
    ['the null origin', { origin: 'null', host: 'null' }, undefined, false],
    ['no Host', { origin: APP }, overTls, false],
    ['no Origin', { host: 'app.example.com' }, overTls, false],
  ])('%s', (_case, headers, socket, expected) => {
    expect(isSameOriginHandshake({ headers, socket })).toBe(expected);
  });
});

describe('checkConnectionOrigin', () => {
  it('admits an origin some policy allows when combining with `some`, and refuses it with `every`', () => {
    const request = handshake({ origin: LOBBY, host: 'ws.example.net' });
    expect(checkConnectionOrigin([partners, lobby], 'some', request, 100)).toEqual({ allowed: true });
    expect(checkConnectionOrigin([partners, lobby], 'every', request, 100)).toEqual({
      allowed: false,
      reason: 'origin_not_allowed',
    });
  });

  it('refuses an origin no policy allows', () => {
    const request = handshake({ origin: 'https://evil.example.org', host: 'ws.example.net' });
    expect(checkConnectionOrigin([partners, lobby], 'some', request, 100)).toMatchObject({ allowed: false });
  });

  it('admits handshakes without Origin and same-origin ones without asking any policy', () => {
    expect(checkConnectionOrigin([partners], 'every', handshake({ host: 'ws.example.net' }), 100)).toEqual({
      allowed: true,
    });
    expect(
      checkConnectionOrigin(
        [partners],
        'every',
        { ...handshake({ origin: 'https://ws.example.net', host: 'ws.example.net' }), socket: { encrypted: true } },
        100,
      ),
    ).toEqual({ allowed: true });
  });

  it('waits for an origin callback only when its answer counts', async () => {
    const request = handshake({ origin: APP, host: 'ws.example.net' });
    // `partners` allows APP first: the callback is never asked.
    expect(checkConnectionOrigin([partners, slowLobby], 'some', request, 100)).toEqual({ allowed: true });
    await expect(
      checkConnectionOrigin([slowLobby, partners], 'some', handshake({ origin: LOBBY, host: 'x' }), 100),
    ).resolves.toEqual({ allowed: true });
  });
});

describe('combine', () => {
  const allow: OriginVerdict = { allowed: true };
  const refuse = (n: number): OriginVerdict => ({ allowed: false, reason: 'origin_not_allowed', error: n });
  const policies = [partners, lobby, slowLobby];

  it.each<['some' | 'every', readonly OriginVerdict[], OriginVerdict, number]>([
    ['some', [refuse(0), allow, refuse(2)], allow, 2],
    ['some', [refuse(0), refuse(1), refuse(2)], refuse(0), 3],
    ['every', [allow, refuse(1), allow], refuse(1), 2],
    ['every', [allow, allow, allow], allow, 3],
  ])(
    'with %s over %j gives the first deciding verdict after asking as few as needed',
    (combination, verdicts, expected, asked) => {
      let calls = 0;
      const verdict = combine(policies, combination, () => verdicts[calls++]);
      expect(verdict).toEqual(expected);
      expect(calls).toBe(asked);
    },
  );

  it('goes on after an asynchronous verdict, in order', async () => {
    const verdicts = [Promise.resolve(refuse(0)), refuse(1), Promise.resolve(allow)];
    let calls = 0;
    await expect(combine(policies, 'some', () => verdicts[calls++])).resolves.toEqual(allow);
    calls = 0;
    await expect(combine(policies.slice(0, 2), 'some', () => verdicts[calls++])).resolves.toEqual(refuse(0));
  });
});
