// What Node charges for response and request headers, measured in-process on Node's own
// objects (no sockets): the figures behind writing headers into Fastify's reply where possible
// (lib/adapters/http-exchange.ts) and reading `Origin` from `request.headers`, quoted in
// docs/performance.md.
//
//   node bench/tools/header-costs.mjs
import http from 'node:http';
import { Socket } from 'node:net';

const N = 300_000;
const request = new http.IncomingMessage(new Socket());

function time(label, run) {
  for (let i = 0; i < N; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) run();
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${label.padEnd(72)} ${ns.toFixed(0).padStart(6)} ns`);
}

// Fastify's own headers of S1's JSON response, and what nest-cors adds to them on S1 and S2.
const FASTIFY_OWN = [
  ['content-type', 'application/json; charset=utf-8'],
  ['content-length', '42'],
];
const S1_CORS = [
  ['vary', 'Origin'],
  ['access-control-allow-origin', 'https://app.example.com'],
  ['access-control-allow-credentials', 'true'],
  ['access-control-expose-headers', 'X-Total-Count'],
];
const S2_CORS = [['vary', 'Origin']];
const S1_CORS_CAPITALIZED = S1_CORS.map(([name, value]) => [
  name.replace(/(^|-)([a-z])/g, (_, dash, letter) => dash + letter.toUpperCase()),
  value,
]);

/** Fastify's own header object for a response: built per response, as Fastify does. */
function fastifyHeaders(cors) {
  const headers = { [FASTIFY_OWN[0][0]]: FASTIFY_OWN[0][1] };
  for (let i = 0; i < cors.length; i++) headers[cors[i][0]] = cors[i][1];
  headers[FASTIFY_OWN[1][0]] = FASTIFY_OWN[1][1];
  return headers;
}

/** A response as Fastify sends it: every header of the reply's object in one writeHead(). */
function throughReply(cors) {
  return () => new http.ServerResponse(request).writeHead(200, fastifyHeaders(cors));
}

/** The same, with the CORS headers set on the Node response first (Node then merges the reply's). */
function onNodeResponse(cors) {
  return () => {
    const response = new http.ServerResponse(request);
    for (let i = 0; i < cors.length; i++) response.setHeader(cors[i][0], cors[i][1]);
    response.writeHead(200, fastifyHeaders([]));
  };
}

function parsedRequest(rawHeaders) {
  const message = new http.IncomingMessage(new Socket());
  message._addHeaderLines(rawHeaders, rawHeaders.length); // what Node's HTTP parser calls
  return message;
}
function scanOrigin(raw) {
  let origin;
  for (let i = 0; i < raw.length - 1; i += 2)
    if (raw[i].length === 6 && raw[i].toLowerCase() === 'origin')
      origin = origin === undefined ? raw[i + 1] : `${origin}, ${raw[i + 1]}`;
  return origin;
}
const AUTOCANNON = ['Host', '127.0.0.1:3000', 'origin', 'https://app.example.com'];
const BROWSER = [
  'Host',
  'api.example.com',
  'Connection',
  'keep-alive',
  'sec-ch-ua',
  '"Chromium";v="156"',
  'Accept',
  'application/json',
  'Origin',
  'https://app.example.com',
  'Sec-Fetch-Site',
  'cross-site',
  'Sec-Fetch-Mode',
  'cors',
  'Sec-Fetch-Dest',
  'empty',
  'Referer',
  'https://app.example.com/',
  'Accept-Encoding',
  'gzip, deflate, br',
  'Accept-Language',
  'en-US,en;q=0.9',
  'User-Agent',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  'Cookie',
  'a=b',
];

console.log(`Node ${process.version}, ${N.toLocaleString('en')} iterations each (after as many to warm up)\n`);
console.log('Response headers (a ServerResponse created and its head written, no socket):');
time('no CORS: Fastify writes its 2 headers', throughReply([]));
time('S1, 4 CORS headers in the reply (one writeHead)', throughReply(S1_CORS));
time('S1, 4 CORS headers on the Node response, lowercase names', onNodeResponse(S1_CORS));
time('S1, 4 CORS headers on the Node response, capitalized names', onNodeResponse(S1_CORS_CAPITALIZED));
time('S2, Vary in the reply', throughReply(S2_CORS));
time('S2, Vary on the Node response', onNodeResponse(S2_CORS));
console.log('\nReading Origin from a parsed request (creating the request included):');
time('2 headers (as autocannon sends them): request.headers.origin', () => parsedRequest(AUTOCANNON).headers.origin);
time('2 headers: scanning rawHeaders', () => scanOrigin(parsedRequest(AUTOCANNON).rawHeaders));
time('13 headers (as Chromium sends a fetch()): request.headers.origin', () => parsedRequest(BROWSER).headers.origin);
time('13 headers: scanning rawHeaders', () => scanOrigin(parsedRequest(BROWSER).rawHeaders));
