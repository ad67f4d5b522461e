import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the sample app received it, and the status it answered. */
export interface RecordedExchange {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly origin: string | undefined;
  /** `Access-Control-Request-Method`: set on preflights only. */
  readonly preflightFor: string | undefined;
  /** `Access-Control-Request-Headers`, as the browser sent it. */
  readonly requestedHeaders: string | undefined;
  /** The app's status; `undefined` until it answers. */
  status: number | undefined;
  /** The app's response headers (lowercase names), before the browser filters what pages see. */
  responseHeaders: Readonly<Record<string, string>> | undefined;
  /** Set when the app could not be reached at all: a harness failure, never a CORS verdict. */
  upstreamError?: string;
}

/**
 * A transparent HTTP forwarder in front of the sample app that writes down every request it
 * passes on. Chromium calls the API through it, so a test can tell what actually reached the
 * server: whether the browser sent a preflight, whether it reused a cached one, and whether the
 * actual request after a refused preflight was ever sent. Requests and responses go through
 * byte for byte (raw header lists, names, order and duplicates kept); nothing is answered here.
 *
 * Each test case starts its own, on a fresh port, and all stay open until the run ends (so
 * the system cannot hand one port out twice): the API origin a case calls is new to the
 * browser, and no preflight result or response cached by an earlier case applies.
 */
export class TrafficRecorder {
  private readonly log: RecordedExchange[] = [];
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`: the API base URL pages call. */
    readonly url: string,
  ) {}

  /** Starts forwarding from a fresh loopback port to `target` (`http://127.0.0.1:<port>`). */
  static async start(target: string): Promise<TrafficRecorder> {
    const upstream = new URL(target);
    const holder: { recorder?: TrafficRecorder } = {};
    const server = createServer((request, response) => holder.recorder!.forward(upstream, request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    holder.recorder = new TrafficRecorder(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.recorder;
  }

  /** Everything received so far (since the last {@link clear}). */
  exchanges(): readonly RecordedExchange[] {
    return [...this.log];
  }

  /** Preflights (OPTIONS with `Access-Control-Request-Method`) received for `path`. */
  preflights(path: string): readonly RecordedExchange[] {
    return this.log.filter((e) => e.method === 'OPTIONS' && e.preflightFor !== undefined && pathOf(e.url) === path);
  }

  /** Actual (non-preflight) requests received with `method` for `path`. */
  requests(method: string, path: string): readonly RecordedExchange[] {
    return this.log.filter((e) => e.method === method && e.preflightFor === undefined && pathOf(e.url) === path);
  }

  /** Requests the app never answered because it could not be reached. */
  upstreamErrors(): readonly RecordedExchange[] {
    return this.log.filter((e) => e.upstreamError !== undefined);
  }

  clear(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(upstream: URL, request: IncomingMessage, response: ServerResponse): void {
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const entry: RecordedExchange = {
      method: request.method ?? '',
      url: request.url ?? '',
      origin: header('origin'),
      preflightFor: request.method === 'OPTIONS' ? header('access-control-request-method') : undefined,
      requestedHeaders: header('access-control-request-headers'),
      status: undefined,
      responseHeaders: undefined,
    };
    this.log.push(entry);
    const outgoing = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.rawHeaders,
        agent: this.agent,
      },
      (answer) => {
        entry.status = answer.statusCode;
        entry.responseHeaders = Object.fromEntries(
          Object.entries(answer.headers).map(([name, value]) => [
            name,
            Array.isArray(value) ? value.join(', ') : String(value),
          ]),
        );
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      entry.upstreamError = error.message;
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end(`browser-test forwarder: ${error.message}`);
    });
    request.pipe(outgoing);
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
