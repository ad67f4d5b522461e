import { connect } from 'node:net';

/**
 * A raw HTTP/1.1 client over `node:net`, for requests no well-behaved client would send
 * (duplicate headers, bare CR or LF, control characters, no `Host`, lowercase methods) and a
 * strict parser for what comes back: a response that does not parse here is not well-formed.
 */

/** One parsed response: header names keep their case, values are decoded as Latin-1 bytes. */
export interface RawResponse {
  readonly status: number;
  readonly statusLine: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: Buffer;
}

export interface RawExchange {
  /** Every complete response read from the connection, in order. */
  readonly responses: readonly RawResponse[];
  /** Bytes after the last complete response (should be none). */
  readonly leftover: Buffer;
  /** A socket error seen while reading (e.g. `ECONNRESET`), if any. */
  readonly socketError: string | undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
/** Field values (RFC 9110 §5.5): visible characters, SP, HTAB and obs-text; never CR, LF, NUL or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Sends `request` (a string is sent as Latin-1, byte for byte) on a fresh connection to
 * 127.0.0.1:`port`, half-closes, and reads until the server closes. `methods` are the methods
 * of the pipelined requests, in order, where a HEAD response has no body.
 */
export function sendRaw(
  port: number,
  request: string | Buffer,
  { methods = [] as readonly string[], timeoutMs = 10_000 } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let socketError: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError = error.code ?? error.message;
    });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        new Error(
          `no end of response within ${timeoutMs}ms; received so far:\n${Buffer.concat(chunks).toString('latin1')}`,
        ),
      );
    });
    socket.on('close', () => {
      try {
        const { responses, leftover } = parseResponses(Buffer.concat(chunks), methods);
        resolve({ responses, leftover, socketError });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.end(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** Sends one request and returns its one well-formed response, or throws. */
export async function sendOne(
  port: number,
  request: string | Buffer,
  options?: { methods?: readonly string[] },
): Promise<RawResponse> {
  const exchange = await sendRaw(port, request, options);
  if (exchange.responses.length !== 1 || exchange.leftover.length > 0) {
    throw new Error(
      `expected exactly one response, got ${exchange.responses.length} and ${exchange.leftover.length} stray bytes` +
        (exchange.socketError ? ` (socket error ${exchange.socketError})` : '') +
        `:\n${exchange.leftover.toString('latin1')}`,
    );
  }
  return exchange.responses[0];
}

/** Builds a request from lines: `lines` are the request line and header lines, joined with CRLF. */
export function rawRequest(lines: readonly string[], body = ''): string {
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Every value of header `name` (case-insensitive), in order. */
export function headerValues(response: RawResponse, name: string): string[] {
  const lower = name.toLowerCase();
  return response.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The single value of header `name`, `undefined` when absent; throws when sent twice. */
export function header(response: RawResponse, name: string): string | undefined {
  const values = headerValues(response, name);
  if (values.length > 1) throw new Error(`header ${name} sent ${values.length} times: ${JSON.stringify(values)}`);
  return values[0];
}

/** Parses consecutive HTTP/1.x responses; throws on anything malformed. */
export function parseResponses(
  data: Buffer,
  methods: readonly string[] = [],
): { responses: RawResponse[]; leftover: Buffer } {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd === -1) break;
    const head = data.subarray(offset, headEnd).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const statusMatch = STATUS_LINE.exec(statusLine);
    if (statusMatch === null) throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
    const status = Number(statusMatch[1]);
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      const name = colon === -1 ? '' : line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value))
        throw new Error(`malformed header line: ${JSON.stringify(line)}`);
      return [name, value];
    });
    let cursor = headEnd + 4;
    const lengths = headers.filter(([n]) => n.toLowerCase() === 'content-length').map(([, v]) => v);
    const chunked = headers.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(v));
    if (lengths.length > 1 && new Set(lengths).size > 1)
      throw new Error(`conflicting Content-Length: ${lengths.join(', ')}`);
    if (chunked && lengths.length > 0) throw new Error('both Transfer-Encoding: chunked and Content-Length');
    let body: Buffer;
    const noBody = status < 200 || status === 204 || status === 304 || methods[responses.length] === 'HEAD';
    if (noBody) {
      body = Buffer.alloc(0);
    } else if (chunked) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf('\r\n', cursor, 'latin1');
        if (lineEnd === -1) throw new Error('truncated chunked body');
        const size = parseInt(data.subarray(cursor, lineEnd).toString('latin1').split(';')[0], 16);
        if (!Number.isInteger(size) || size < 0) throw new Error('malformed chunk size');
        cursor = lineEnd + 2;
        if (size === 0) {
          const trailerEnd = data.indexOf('\r\n', cursor, 'latin1');
          if (trailerEnd !== cursor) throw new Error('trailers are not expected');
          cursor += 2;
          break;
        }
        parts.push(data.subarray(cursor, cursor + size));
        cursor += size;
        if (data.subarray(cursor, cursor + 2).toString('latin1') !== '\r\n')
          throw new Error('chunk not followed by CRLF');
        cursor += 2;
      }
      body = Buffer.concat(parts);
    } else if (lengths.length > 0) {
      if (!/^[0-9]+$/.test(lengths[0])) throw new Error(`malformed Content-Length: ${lengths[0]}`);
      const length = Number(lengths[0]);
      if (cursor + length > data.length) throw new Error(`truncated body: ${data.length - cursor} of ${length} bytes`);
      body = data.subarray(cursor, cursor + length);
      cursor += length;
    } else {
      // Delimited by the end of the connection.
      body = data.subarray(cursor);
      cursor = data.length;
    }
    responses.push({ status, statusLine, headers, body });
    offset = cursor;
  }
  return { responses, leftover: data.subarray(offset) };
}
