import type { Socket } from 'node:net';
import { appCookieLine, type StickyState } from './alb-stickiness.ts';
import { CHUNKED_ERROR, CHUNKED_MORE, ChunkedScanner } from './chunked-scanner.ts';
import { forwardedResponseHead, withHead } from './forwarded-heads.ts';
import { MAX_HEAD_BYTES, type RequestHead } from './http-request-head.ts';
import { parseResponseHead, type ResponseHead } from './http-response-head.ts';
import type { LbServices } from './lb-services.ts';
import type { TargetRuntime } from './target-runtime.ts';
import type { Upstream, UpstreamFailure, UpstreamOwner } from './upstream-pool.ts';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Where the response of the exchange is. */
export const Response = {
  /** No forwarded request under way. */
  NONE: 0,
  /** Waiting for (more of) the target's response head. */
  HEAD: 1,
  /** Its body is passing to the client. */
  BODY: 2,
  /** All of it went to the client. */
  DONE: 3,
  /** A WebSocket: bytes pass both ways untouched. */
  TUNNEL: 4,
} as const;
export type ResponsePhase = (typeof Response)[keyof typeof Response];

// How the response body is framed.
const F_LENGTH = 0;
const F_CHUNKED = 1;
/** Until the target closes the connection. */
const F_CLOSE = 2;
const F_NONE = 3;

/** Small answers that arrived whole leave in one write with their head. */
const SMALL_BODY_BYTES = 16 * 1024;

/** What the exchange needs of the client connection it serves. */
export interface ExchangeClient {
  readonly socket: Socket;
  readonly services: LbServices;
  readonly sticky: StickyState;
  /** Whether the client's request body has all been read. */
  readonly requestDone: boolean;
  /** Whether the client connection closes after this response. */
  readonly closing: boolean;
  /** The response is all written; the target connection is dealt with. `close`: the client's must close too. */
  responseDone(close: boolean): void;
  /** The target failed before answering: ALB answers `status` itself. */
  failed(status: 502 | 504): void;
  /** The target accepted a WebSocket: client bytes go to `up` from now on. */
  tunnelOpened(up: Upstream): void;
  /** The target can take more request body. */
  upstreamDrained(): void;
}

/**
 * The target's side of the request under way on one client connection (one object per
 * connection, reused for each request): the pooled connection to the target, the response head
 * read and rewritten, the body passed as it comes (re-chunked for HTTP/1.1 clients when it runs
 * until close, un-chunked for HTTP/1.0 ones), with backpressure; one retry when a reused
 * connection turns out closed; a 101 to an asked-for WebSocket turns the exchange into a tunnel.
 */
export class AlbExchange implements UpstreamOwner {
  phase: ResponsePhase = Response.NONE;
  up: Upstream | null = null;
  #target: TargetRuntime | null = null;
  #head: RequestHead | null = null;
  #upHead = '';
  #retried = false;
  #resBuf: Buffer | null = null;
  #framing = F_NONE;
  #resLeft = 0;
  #resChunks: ChunkedScanner | null = null;
  #rechunk = false;
  #dechunk = false;
  #upReusable = false;
  /** The client connection closes after this response (told in its head). */
  #closes = false;

  constructor(private readonly client: ExchangeClient) {}

  /** Starts forwarding `head` to `target`: the connection to it, for the caller to write to. */
  open(target: TargetRuntime, head: RequestHead, upHead: string): Upstream {
    this.#closes = false;
    this.#target = target;
    this.#head = head;
    this.#upHead = upHead;
    this.#retried = false;
    target.outstanding++;
    return this.#connect(false);
  }

  /** Drops the target connection of an exchange that cannot finish. */
  abandon(): void {
    const up = this.up;
    this.up = null;
    if (this.phase === Response.TUNNEL) this.#target?.tunnels.delete(this.client.socket);
    else this.#releaseTarget();
    this.phase = Response.NONE;
    up?.pool.discard(up);
  }

  /** Ready for the next request. */
  reset(): void {
    this.phase = Response.NONE;
    this.#head = null;
    this.#resBuf = null;
  }

  onUpstreamData(up: Upstream, chunk: Buffer): void {
    if (up !== this.up) return;
    switch (this.phase) {
      case Response.HEAD:
        this.#resBuf = this.#resBuf === null ? chunk : Buffer.concat([this.#resBuf, chunk]);
        this.#parseResponse();
        break;
      case Response.BODY:
        this.#feedResponse(chunk, 0);
        break;
      case Response.TUNNEL:
        if (!this.client.socket.write(chunk)) up.socket.pause();
        break;
      default:
        // Bytes after the response ended: a target talking out of turn is not reused.
        this.#upReusable = false;
    }
  }

  onUpstreamDrain(up: Upstream): void {
    if (up === this.up) this.client.upstreamDrained();
  }

  onUpstreamClose(up: Upstream, failure: UpstreamFailure | undefined): void {
    if (up !== this.up) return;
    const socket = this.client.socket;
    if (this.phase === Response.TUNNEL) {
      this.up = null;
      this.#target?.tunnels.delete(socket);
      if (failure === undefined) socket.end();
      else socket.destroy();
      return;
    }
    if (this.phase === Response.HEAD) {
      // A reused connection the target closed just as the request went out (its keep-alive
      // timeout): send it again once on a new one, when it had no body that is gone already.
      if (
        (failure === undefined || failure === 'reset') &&
        up.uses > 1 &&
        !this.#retried &&
        this.#resBuf === null &&
        !this.#head!.hasBody
      ) {
        this.#retried = true;
        this.#connect(true).write(this.#upHead, 'latin1');
        return;
      }
      this.up = null;
      this.#releaseTarget();
      this.phase = Response.NONE;
      this.client.failed(failure === 'connect-timeout' ? 504 : 502);
      return;
    }
    if (this.phase === Response.BODY && this.#framing === F_CLOSE && failure === undefined) {
      if (this.#rechunk) socket.write('0\r\n\r\n');
      this.#upReusable = false;
      this.#endResponse();
      return;
    }
    // The response was cut short: so is the client's connection, as ALB does.
    this.up = null;
    this.#releaseTarget();
    socket.destroy();
  }

  #connect(fresh: boolean): Upstream {
    const up = this.#target!.pool.acquire(this, fresh);
    this.up = up;
    this.phase = Response.HEAD;
    this.#resBuf = null;
    return up;
  }

  #parseResponse(): void {
    const head = this.#head!;
    for (;;) {
      const buf = this.#resBuf!;
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) this.#badGateway();
        return;
      }
      const res = parseResponseHead(buf.toString('latin1', 0, end));
      if (res === undefined) {
        this.#badGateway();
        return;
      }
      const rest = end + 4;
      if (res.status >= 200) {
        this.#resBuf = null;
        this.#beginResponse(res, buf, rest);
        return;
      }
      if (res.status === 101) {
        if (head.websocket) this.#tunnel(buf);
        else this.#badGateway();
        return;
      }
      // 100 Continue and other interim answers go to clients that know them.
      if (head.httpMinor === 1) this.client.socket.write(buf.subarray(0, rest));
      if (rest === buf.length) {
        this.#resBuf = null;
        return;
      }
      this.#resBuf = buf.subarray(rest);
    }
  }

  #beginResponse(res: ResponseHead, buf: Buffer, rest: number): void {
    const head = this.#head!;
    const client11 = head.httpMinor === 1;
    if (head.method === 'HEAD' || res.status === 204 || res.status === 304) this.#framing = F_NONE;
    else if (res.chunked) this.#framing = F_CHUNKED;
    else if (res.contentLength >= 0) this.#framing = F_LENGTH;
    else this.#framing = F_CLOSE;
    this.#upReusable = res.keepAlive && this.#framing !== F_CLOSE;
    this.#rechunk = this.#framing === F_CLOSE && client11;
    this.#dechunk = this.#framing === F_CHUNKED && !client11;
    this.#resLeft = res.contentLength;
    this.#resChunks = this.#framing === F_CHUNKED ? new ChunkedScanner() : null;
    // Without framing the client knows the end by the close; a target that answers before the
    // request body is all sent gets no more of it: either way this client connection then closes.
    const closes =
      this.client.closing ||
      !this.client.requestDone ||
      (this.#framing === F_CLOSE && !client11) ||
      this.#dechunk;
    this.#closes = closes;
    const sticky = this.client.sticky;
    const out = forwardedResponseHead(res, {
      chunked: (this.#framing === F_CHUNKED && !this.#dechunk) || this.#rechunk,
      dropLength: this.#framing === F_CHUNKED,
      extra: sticky.cookies + appCookieLine(sticky, res.setCookies, this.client.services),
      connection: closes ? 'close' : client11 ? undefined : 'keep-alive',
    });
    const socket = this.client.socket;
    this.phase = Response.BODY;
    if (
      this.#framing === F_LENGTH &&
      rest + this.#resLeft <= buf.length &&
      this.#resLeft <= SMALL_BODY_BYTES
    ) {
      // The usual small answer, all in one read: one buffer, one write system call.
      const end = rest + this.#resLeft;
      socket.write(withHead(out, buf, rest, end));
      this.#resLeft = 0;
      if (end < buf.length) this.#upReusable = false;
      this.#endResponse();
      return;
    }
    socket.cork();
    socket.write(out, 'latin1');
    if (this.#framing === F_NONE || (this.#framing === F_LENGTH && this.#resLeft === 0)) {
      if (rest < buf.length) this.#upReusable = false;
      this.#endResponse();
    } else if (rest < buf.length) {
      this.#feedResponse(buf, rest);
    }
    socket.uncork();
  }

  #feedResponse(buf: Buffer, from: number): void {
    const socket = this.client.socket;
    let ended = false;
    let writable = true;
    switch (this.#framing) {
      case F_LENGTH: {
        const take = Math.min(this.#resLeft, buf.length - from);
        writable = socket.write(from === 0 && take === buf.length ? buf : buf.subarray(from, from + take));
        this.#resLeft -= take;
        if (this.#resLeft === 0) {
          if (from + take < buf.length) this.#upReusable = false;
          ended = true;
        }
        break;
      }
      case F_CHUNKED: {
        const scanner = this.#resChunks!;
        const end = this.#dechunk
          ? scanner.scan(buf, from, (a, b) => {
              writable = socket.write(buf.subarray(a, b));
            })
          : scanner.scan(buf, from);
        if (end === CHUNKED_ERROR) {
          this.abandon();
          socket.destroy();
          return;
        }
        if (!this.#dechunk) {
          const to = end === CHUNKED_MORE ? buf.length : end;
          writable = socket.write(from === 0 && to === buf.length ? buf : buf.subarray(from, to));
        }
        if (end !== CHUNKED_MORE) {
          if (end < buf.length) this.#upReusable = false;
          ended = true;
        }
        break;
      }
      case F_CLOSE: {
        const data = from === 0 ? buf : buf.subarray(from);
        if (this.#rechunk) {
          socket.write(`${data.length.toString(16)}\r\n`, 'latin1');
          socket.write(data);
          writable = socket.write('\r\n', 'latin1');
        } else {
          writable = socket.write(data);
        }
        break;
      }
    }
    if (ended) this.#endResponse();
    else if (!writable) this.up?.socket.pause();
  }

  /** The response is all written: the target connection goes back to the pool if it can. */
  #endResponse(): void {
    this.phase = Response.DONE;
    const up = this.up;
    this.up = null;
    this.#releaseTarget();
    if (up !== null) {
      if (this.#upReusable && this.client.requestDone) {
        up.socket.resume();
        up.pool.release(up);
      } else {
        up.pool.discard(up);
      }
    }
    this.client.responseDone(this.#closes);
  }

  #badGateway(): void {
    this.abandon();
    this.client.failed(502);
  }

  /** The target accepted the WebSocket: the 101 goes to the client, then bytes pass both ways. */
  #tunnel(buf: Buffer): void {
    const up = this.up!;
    this.phase = Response.TUNNEL;
    this.#resBuf = null;
    const target = this.#target!;
    target.outstanding--;
    target.tunnels.add(this.client.socket);
    if (!this.client.socket.write(buf)) up.socket.pause();
    this.client.tunnelOpened(up);
  }

  #releaseTarget(): void {
    const target = this.#target;
    if (target === null) return;
    this.#target = null;
    target.outstanding--;
  }
}
