import type { RequestHead } from './http-request-head.ts';
import type { ResponseHead } from './http-response-head.ts';
import type { TraceIds } from './trace-id.ts';

/** Request headers that are the connection's, not the request's, or that ALB sets itself. */
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-amzn-trace-id',
]);
const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** ALB answers 463 to a request whose X-Forwarded-For holds more than 30 addresses. */
const MAX_FORWARDED_FOR = 30;

/**
 * The head a target gets: the request line in HTTP/1.1, the client's headers as they came but for
 * hop-by-hop ones (an asked-for WebSocket upgrade kept), then X-Forwarded-For (the client's address
 * appended), X-Forwarded-Proto, X-Forwarded-Port and X-Amzn-Trace-Id. Or 463, as ALB answers a
 * request that has been through too many proxies.
 */
export function forwardedRequestHead(
  head: RequestHead,
  clientIp: string,
  listener: { readonly address: string; readonly port: number },
  traces: TraceIds,
): string | 463 {
  let forwardedFor = clientIp;
  const received = head.all('x-forwarded-for');
  if (received.length > 0) {
    const chain = received.join(', ');
    let addresses = 1;
    for (let i = 0; i < chain.length; i++) if (chain.charCodeAt(i) === 44) addresses++;
    if (addresses > MAX_FORWARDED_FOR) return 463;
    forwardedFor = `${chain}, ${clientIp}`;
  }
  let out = `${head.method} ${head.target} HTTP/1.1\r\n`;
  const tokens = head.connectionTokens;
  const { names, lines } = head;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (DROP_REQUEST.has(name) || tokens?.includes(name)) {
      if (!(head.websocket && name === 'upgrade')) continue;
    }
    out += `${lines[i]}\r\n`;
  }
  // HTTP/1.0 clients may send no Host; HTTP/1.1 targets need one.
  if (head.authority === '') out += `Host: ${listener.address}:${listener.port}\r\n`;
  if (head.websocket) out += 'Connection: Upgrade\r\n';
  return (
    `${out}X-Forwarded-For: ${forwardedFor}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: ${listener.port}\r\n` +
    `X-Amzn-Trace-Id: ${traces.header(head.get('x-amzn-trace-id'))}\r\n\r\n`
  );
}

/**
 * The head the client gets: the target's status and headers but for hop-by-hop ones, in HTTP/1.1,
 * with the framing of the body as it will go out, ALB's own lines (`extra`), and a Connection
 * header when the client's connection closes (or, for HTTP/1.0, stays open).
 */
export function forwardedResponseHead(
  res: ResponseHead,
  options: {
    chunked: boolean;
    dropLength: boolean;
    extra: string;
    connection: 'close' | 'keep-alive' | undefined;
  },
): string {
  let out = `HTTP/1.1 ${res.statusText}\r\n`;
  const tokens = res.connectionTokens;
  const { names, lines } = res;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (DROP_RESPONSE.has(name) || tokens?.includes(name)) continue;
    if (options.dropLength && name === 'content-length') continue;
    out += `${lines[i]}\r\n`;
  }
  if (options.chunked) out += 'Transfer-Encoding: chunked\r\n';
  out += options.extra;
  if (options.connection !== undefined) out += `Connection: ${options.connection}\r\n`;
  return `${out}\r\n`;
}

/** `head` (latin1) followed by `body[from, to)`, in one new buffer: one write instead of two. */
export function withHead(head: string, body: Buffer, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(head.length + to - from);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length, from, to);
  return out;
}
