import fc from 'fast-check';
import { parseOrigin } from '../../lib/policy/serialized-origin.js';
import { host, hostileCandidate, mutation, port, scheme } from '../support/origin-arbitraries.js';

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

/** A serialized origin split into its parts, as the grammar below reads it. */
interface RefOrigin {
  readonly scheme: string;
  readonly host: string;
  readonly port: string;
}

/**
 * `parseOrigin` scans by hand (it runs per request). Before, it was one RegExp, a label-length
 * check and the URL parser for the hosts it may rewrite. That form is kept here as the grammar
 * the scan must accept exactly: neither more (a hostile origin reflected) nor less (a browser's
 * origin refused), down to the hosts between the reference model and the strict one.
 */
function grammarOrigin(value: string): RefOrigin | undefined {
  const match =
    /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]{2,45}\]|[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?)(?::([1-9][0-9]{0,4}))?$/.exec(
      value,
    );
  if (value.length > 300 || match === null) return undefined;
  const [, scheme, host, port = ''] = match;
  const defaults = new Map([
    ['http', '80'],
    ['https', '443'],
    ['ws', '80'],
    ['wss', '443'],
    ['ftp', '21'],
  ]);
  if (port !== '' && (Number(port) > 65535 || defaults.get(scheme) === port)) return undefined;
  if (!host.startsWith('[') && host.split('.').some((l) => l.length === 0 || l.length > 63)) return undefined;
  if (!host.startsWith('[') && !host.includes('xn--') && !/(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)$/.test(host))
    return { scheme, host, port };
  const surrogate = defaults.has(scheme) ? scheme : port === '443' ? 'http' : 'https';
  const origin = `${surrogate}://${host}${port === '' ? '' : `:${port}`}`;
  try {
    return new URL(origin).origin === origin ? { scheme, host, port } : undefined;
  } catch {
    return undefined;
  }
}

describe('parseOrigin (property-based)', () => {
  const near = fc.constantFrom(
    'https://app.example.com',
    'https://a-b.c_d.example.com:8443',
    'chrome-extension://abcdef',
    'http://127.0.0.1:3000',
    'https://[::1]:8443',
    'https://xn--bcher-kva.example',
    'https://0x7f.example.0x1',
  );
  const edgeHosts = fc.constantFrom(
    '1.2.3.4',
    '1.2.3',
    '0x7f.1',
    'a.0x',
    'a.0xg',
    'a.09',
    'a.9z',
    '-a.b',
    'a-.b',
    'a.-b',
    'a_.b',
    '_',
    'x'.repeat(63),
    'x'.repeat(64),
    `${'a.'.repeat(126)}a`,
    `${'a.'.repeat(127)}a`,
    'axn--b.com',
    'xn--.com',
    '[::1]',
    '[::ffff:1.2.3.4]',
    '[1:2]',
    '[]',
  );
  /** Schemes right and wrong: generated from the characters a scheme may hold and some it may not. */
  const anyScheme = fc.oneof(
    scheme,
    fc.constantFrom('constructor', '__proto__', 'hasOwnProperty', 'a'.repeat(44), 'a'.repeat(45), 'a'.repeat(60)),
    fc.stringMatching(/^[a-zA-Z0-9+.\-_%/ :]{0,8}$/),
  );
  const longHost = fc.constantFrom(
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
  );
  const edgeOrigins = fc
    .tuple(anyScheme, fc.oneof(edgeHosts, longHost, host), port)
    .map(([s, h, p]) => `${s}://${h}${p === '' ? '' : `:${p}`}`);

  it('accepts exactly what the serialized-origin grammar accepts, and splits it the same way', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileCandidate(near),
          edgeOrigins,
          fc.tuple(edgeOrigins, mutation).map(([o, m]) => m(o)),
        ),
        (candidate) => {
          expect([candidate, parseOrigin(candidate)]).toEqual([candidate, grammarOrigin(candidate)]);
        },
      ),
      { numRuns: RUNS.numRuns * 10 },
    );
  });
});
