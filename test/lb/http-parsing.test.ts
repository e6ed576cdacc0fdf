import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elbPage, elbResponse } from '../../src/lb/alb-responses.ts';
import { CHUNKED_ERROR, CHUNKED_MORE, ChunkedScanner } from '../../src/lb/chunked-scanner.ts';
import { parseRequestHead, type RequestHead } from '../../src/lb/http-request-head.ts';
import { parseResponseHead } from '../../src/lb/http-response-head.ts';
import { redirectLocation } from '../../src/lb/redirect-url.ts';
import { TraceIds } from '../../src/lb/trace-id.ts';

const head = (...lines: string[]) => parseRequestHead(lines.join('\r\n'));

function ok(...lines: string[]): RequestHead {
  const h = head(...lines);
  assert.ok(typeof h !== 'number', `refused with ${h}`);
  return h;
}

test('a request head: method, target, path and query, headers as sent, framing and keep-alive', () => {
  const h = ok(
    'POST /a/b?x=1&y HTTP/1.1',
    'Host: Example.com:8080',
    'X-Custom:  spaced value  ',
    'Content-Length: 5',
  );
  assert.equal(h.method, 'POST');
  assert.equal(h.target, '/a/b?x=1&y');
  assert.equal(h.path, '/a/b');
  assert.equal(h.query, 'x=1&y');
  assert.equal(h.host, 'example.com');
  assert.equal(h.authority, 'Example.com:8080');
  assert.equal(h.get('x-custom'), 'spaced value');
  assert.deepEqual(h.lines, ['Host: Example.com:8080', 'X-Custom:  spaced value  ', 'Content-Length: 5']);
  assert.equal(h.contentLength, 5);
  assert.ok(h.keepAlive && h.hasBody && !h.chunked);

  const chunked = ok('PUT / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Connection: close');
  assert.ok(chunked.chunked && !chunked.keepAlive);
  assert.ok(!ok('GET / HTTP/1.0').keepAlive, 'HTTP/1.0 closes unless asked');
  assert.ok(ok('GET / HTTP/1.0', 'Connection: Keep-Alive').keepAlive);
  const ws = ok('GET /chat HTTP/1.1', 'Host: a', 'Connection: keep-alive, Upgrade', 'Upgrade: websocket');
  assert.ok(ws.websocket);
  assert.ok(
    !ok('GET / HTTP/1.1', 'Host: a', 'Upgrade: websocket').websocket,
    'Upgrade without Connection: upgrade',
  );
  const absolute = ok('GET http://other.example/p?q=1 HTTP/1.1', 'Host: ignored');
  assert.equal(absolute.target, '/p?q=1');
  assert.equal(absolute.host, 'other.example');
});

test('heads that could be read two ways are refused (400), unknown codings 501, TRACE 405, long lines 414', () => {
  assert.equal(head('GET / HTTP/1.1', 'Host : a'), 400, 'space before the colon');
  assert.equal(head('GET / HTTP/1.1', 'Host: a', ' folded'), 400, 'obs-fold');
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'X: a\nInjected: b'), 400, 'bare LF in a value');
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 6'), 400);
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Content-Length: 5, 6'), 400);
  assert.equal(typeof head('GET / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 5'), 'object');
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Content-Length: -1'), 400);
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Transfer-Encoding: chunked'), 400);
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Transfer-Encoding: gzip, chunked'), 501);
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Transfer-Encoding: xchunked'), 501);
  assert.equal(typeof head('GET / HTTP/1.1', 'Host: a', 'Transfer-Encoding: identity'), 'object');
  assert.equal(head('GET / HTTP/1.1'), 400, 'HTTP/1.1 without Host');
  assert.equal(head('GET / HTTP/1.1', 'Host: a', 'Host: b'), 400);
  assert.equal(head('GET / HTTP/2.0', 'Host: a'), 400);
  assert.equal(head('GET  / HTTP/1.1', 'Host: a'), 400);
  assert.equal(head('GET /a b HTTP/1.1', 'Host: a'), 400);
  assert.equal(head('GET /#frag HTTP/1.1', 'Host: a'), 400);
  assert.equal(head('G(T / HTTP/1.1', 'Host: a'), 400);
  assert.equal(head('TRACE / HTTP/1.1', 'Host: a'), 405);
  assert.equal(head(`GET /${'a'.repeat(17_000)} HTTP/1.1`, 'Host: a'), 414);
});

test('a response head: status, framing (chunked wins over a length), keep-alive', () => {
  const r = parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 12\r\nSet-Cookie: a=1');
  assert.ok(r);
  assert.equal(r.status, 200);
  assert.equal(r.statusText, '200 OK');
  assert.equal(r.contentLength, 12);
  assert.ok(r.keepAlive);
  const chunked = parseResponseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3');
  assert.ok(chunked?.chunked);
  assert.equal(chunked.contentLength, -1);
  const old = parseResponseHead('HTTP/1.0 404 Not Found');
  assert.ok(old && !old.keepAlive && old.contentLength === -1 && !old.chunked, 'HTTP/1.0: until close');
  assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nBad Header: x'), undefined);
  assert.equal(parseResponseHead('ICY 200 OK'), undefined);
  assert.equal(parseResponseHead('HTTP/1.1 1e2 Odd'), undefined);
  assert.equal(parseResponseHead('HTTP/1.1 2000 OK'), undefined);
  assert.equal(parseResponseHead('HTTP/1.1 204')?.status, 204, 'no reason phrase');
  assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2'), undefined);
});

test('a chunked body is followed across any split, trailers included, and its end found exactly', () => {
  const body = Buffer.from('5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT');
  const end = body.length - 4;
  for (let split = 0; split <= body.length; split++) {
    const s = new ChunkedScanner();
    const data: string[] = [];
    const collect = (buf: Buffer) => (a: number, b: number) => data.push(buf.subarray(a, b).toString());
    const first = body.subarray(0, split);
    const r1 = s.scan(first, 0, collect(first));
    if (r1 >= 0) {
      assert.equal(r1, end, `split ${split}`);
    } else {
      assert.equal(r1, CHUNKED_MORE);
      const second = body.subarray(split);
      assert.equal(s.scan(second, 0, collect(second)), end - split, `split ${split}`);
    }
    assert.equal(data.join(''), 'hello0123456789');
  }
  for (const bad of ['x\r\n', '5\nhello', '5\r\nhelloXX', '1234567890123456\r\n', '0\r\n\n']) {
    assert.equal(new ChunkedScanner().scan(Buffer.from(bad), 0), CHUNKED_ERROR, JSON.stringify(bad));
  }
});

test("ALB's own pages, byte for byte as ALB sends them", () => {
  // Content-Length values as curl shows them against a real ALB.
  assert.equal(Buffer.byteLength(elbPage(502)), 122);
  assert.equal(Buffer.byteLength(elbPage(503)), 162);
  assert.equal(Buffer.byteLength(elbPage(504)), 132);
  assert.equal(Buffer.byteLength(elbPage(301)), 134);
  assert.ok(elbPage(503).includes('<center><h1>503 Service Temporarily Unavailable</h1></center>'));
  const response = elbResponse(502, { date: 'Thu, 01 Jan 2026 00:00:00 GMT', close: false });
  assert.match(
    response,
    /^HTTP\/1\.1 502 Bad Gateway\r\nServer: awselb\/2\.0\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n/,
  );
  assert.match(
    response,
    /\r\nContent-Type: text\/html\r\nContent-Length: 122\r\nConnection: keep-alive\r\n\r\n<html>/,
  );
});

test('redirects: placeholders filled, the port always written, no ? for an empty query', () => {
  const source = { protocol: 'http', host: 'app.example.com', port: 80, path: '/a/b', query: 'x=1' };
  const base = {
    protocol: '#{protocol}',
    host: '#{host}',
    port: '#{port}',
    path: '/#{path}',
    query: '#{query}',
  };
  assert.equal(
    redirectLocation(
      { type: 'redirect', ...base, protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
      source,
    ),
    'https://app.example.com:443/a/b?x=1',
  );
  assert.equal(
    redirectLocation(
      { type: 'redirect', ...base, path: '/new/#{path}', query: '', statusCode: 'HTTP_302' },
      source,
    ),
    'http://app.example.com:80/new/a/b',
  );
  assert.equal(
    redirectLocation(
      {
        type: 'redirect',
        ...base,
        host: 'www.#{host}',
        query: 'from=#{path}&#{query}',
        statusCode: 'HTTP_302',
      },
      source,
    ),
    'http://www.app.example.com:80/a/b?from=a/b&x=1',
  );
});

test('X-Amzn-Trace-Id: a Root made as ALB makes it; one that came is kept and a Self set', () => {
  const traces = new TraceIds(() => 0x6789_1233 * 1000);
  const fresh = traces.header(undefined);
  assert.match(fresh, /^Root=1-67891233-[0-9a-f]{24}$/);
  assert.notEqual(traces.header(undefined), fresh, 'ids differ');
  const root = 'Root=1-67891233-abcdef012345678912345678';
  assert.match(
    traces.header(root),
    /^Self=1-67891233-[0-9a-f]{24};Root=1-67891233-abcdef012345678912345678$/,
  );
  assert.match(
    traces.header(`Self=1-1-1;${root};CalledFrom=app`),
    /^Self=1-67891233-[0-9a-f]{24};Root=1-67891233-abcdef012345678912345678;CalledFrom=app$/,
  );
});
