import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'undici';
import {
  dataPlane,
  fetchText,
  noChecks,
  RawClient,
  simpleAlb,
  splitResponses,
  startBackend,
  targetGroup,
  untilState,
} from './support.ts';
import { serveWebSocketEcho } from './websocket-echo.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('a response streams to the client as the target writes it, not once it is complete', async (t) => {
  const firstSeen = deferred();
  const backend = await startBackend('stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first part;');
    // The rest only once the client has the first part: a buffering proxy would wait forever.
    void firstSeen.promise.then(() => res.end('second part'));
  });
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [targetGroup(TG, [backend], noChecks)]);
  const body = await new Promise<string>((resolve, reject) => {
    httpRequest(url, { agent: false }, (res) => {
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (text.includes('first part;')) firstSeen.resolve();
      });
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
  assert.equal(body, 'first part;second part');
});

test('a request body streams to the target as the client sends it; large bodies pass whole both ways', async (t) => {
  const firstArrived = deferred();
  const backend = await startBackend('sink', (req, res) => {
    if (req.url === '/echo') {
      req.pipe(res);
      return;
    }
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      text += d;
      firstArrived.resolve();
    });
    req.on('end', () => res.end(`got ${text}`));
  });
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [targetGroup(TG, [backend], noChecks)]);
  const reply = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${url}/upload`, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d;
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.write('part one, ');
    void firstArrived.promise.then(() => req.end('part two'));
  });
  assert.equal(reply, 'got part one, part two');

  // 16 MiB up and back down through a target that echoes as it reads: backpressure both ways.
  const payload = randomBytes(16 * 2 ** 20);
  const digest = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${url}/echo`, { method: 'PUT', agent: false }, (res) => {
      const hash = createHash('sha256');
      res.on('data', (d: Buffer) => hash.update(d));
      res.on('end', () => resolve(hash.digest('hex')));
    });
    req.on('error', reject);
    req.end(payload);
  });
  assert.equal(digest, createHash('sha256').update(payload).digest('hex'));
});

test('WebSocket upgrades pass through: the target that answers 101 gets the frames, both ways', async (t) => {
  const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
  serveWebSocketEcho(a.server, 'a');
  serveWebSocketEcho(b.server, 'b');
  t.after(() => Promise.all([a.close(), b.close()]));
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [targetGroup(TG, [a, b])]);
  await untilState(dp, TG, 'healthy', 2);
  const talk = (messages: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      const ws = new WebSocket(url.replace('http:', 'ws:'));
      const got: string[] = [];
      ws.onopen = () => ws.send(messages[0]!);
      ws.onmessage = (e) => {
        got.push(String(e.data));
        if (got.length < messages.length) ws.send(messages[got.length]!);
        else ws.close();
      };
      ws.onclose = () => resolve(got);
      ws.onerror = () => reject(new Error('the WebSocket failed'));
    });
  const [one, two] = await Promise.all([talk(['hello', 'again', 'bye']), talk(['other'])]);
  assert.deepEqual(one, ['echo: hello', 'echo: again', 'echo: bye']);
  assert.deepEqual(two, ['echo: other']);
  // A plain request still works alongside (the upgrade did not spoil the pool).
  assert.equal((await fetchText(url)).status, 200);
});

test('pipelined requests are answered in order on one connection', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { address, port } = await simpleAlb(dp, [targetGroup(TG, [backend])]);
  const client = await RawClient.connect(address, port);
  t.after(() => client.close());
  client.send(
    'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbodyGET /3 HTTP/1.1\r\nHost: a\r\n\r\n',
  );
  const responses = splitResponses(await client.responses(3));
  assert.deepEqual(
    responses.map((r) => JSON.parse(r.body).url),
    ['/1', '/2', '/3'],
  );
  assert.equal(JSON.parse(responses[1]!.body).body, 'body');
  assert.ok(!client.closed);
});

test('HTTP/1.0 clients: a chunked answer is unchunked and the connection closes; keep-alive is honoured', async (t) => {
  const backend = await startBackend('chunky', (_req, res) => {
    res.write('chunk one ');
    res.end('chunk two');
  });
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { address, port } = await simpleAlb(dp, [targetGroup(TG, [backend], noChecks)]);
  const old = await RawClient.connect(address, port);
  old.send('GET / HTTP/1.0\r\n\r\n');
  const text = await old.until(() => false);
  assert.ok(old.closed);
  assert.ok(!/transfer-encoding/i.test(text), text);
  assert.ok(text.endsWith('\r\n\r\nchunk one chunk two'), text);

  const fixed = await startBackend('fixed');
  t.after(() => fixed.close());
  const dp2 = dataPlane(t);
  const second = await simpleAlb(dp2, [targetGroup(TG, [fixed], noChecks)]);
  const keep = await RawClient.connect(second.address, second.port);
  t.after(() => keep.close());
  keep.send('GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const [reply] = splitResponses(await keep.responses(1));
  assert.match(reply!.head, /\r\nConnection: keep-alive/);
  assert.equal(JSON.parse(reply!.body).headers.host, `${second.address}:${second.port}`, 'a Host is given');
  keep.send('GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.equal(splitResponses(await keep.responses(2)).length, 2);
});

test('a target answer that ends with its connection reaches an HTTP/1.1 client chunked, on a connection kept open', async (t) => {
  const sockets = new Set<Socket>();
  const raw = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end'),
    );
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    raw.close();
  });
  const port = (raw.address() as import('node:net').AddressInfo).port;
  const dp = dataPlane(t);
  const lb = await simpleAlb(dp, [targetGroup(TG, [{ id: '127.0.0.1', port }], noChecks)]);
  const client = await RawClient.connect(lb.address, lb.port);
  t.after(() => client.close());
  client.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  const [first] = splitResponses(await client.responses(1));
  assert.match(first!.head, /\r\nTransfer-Encoding: chunked/);
  assert.equal(first!.body, 'until the end');
  client.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(splitResponses(await client.responses(2))[1]!.body, 'until the end');
});

test('Expect: 100-continue gets the target’s 100 Continue before the body is sent', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const dp = dataPlane(t);
  const { url } = await simpleAlb(dp, [targetGroup(TG, [backend])]);
  const reply = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${url}/continue`, {
      method: 'POST',
      agent: false,
      headers: { Expect: '100-continue', 'Content-Length': '5' },
    });
    req.on('continue', () => req.end('hello'));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d;
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
  });
  assert.equal(JSON.parse(reply).body, 'hello');
});
