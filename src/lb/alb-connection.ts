import type { Socket } from 'node:net';
import type { AlbAction } from './alb-action.ts';
import { AlbExchange, type ExchangeClient, Response } from './alb-exchange.ts';
import type { AlbListener } from './alb-listener.ts';
import { elbResponse } from './alb-responses.ts';
import { chooseGroup, chooseTarget, StickyState } from './alb-stickiness.ts';
import { CHUNKED_ERROR, CHUNKED_MORE, ChunkedScanner } from './chunked-scanner.ts';
import { forwardedRequestHead, withHead } from './forwarded-heads.ts';
import { MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from './http-request-head.ts';
import type { LbServices } from './lb-services.ts';
import { redirectLocation } from './redirect-url.ts';
import { matchRule } from './rule-matcher.ts';
import type { Upstream } from './upstream-pool.ts';

const CRLFCRLF = Buffer.from('\r\n\r\n');

// What the client connection is doing.
/** Waiting for (more of) a request head. */
const HEAD = 0;
/** Reading a request body, to the target or to nowhere (ALB answered itself). */
const BODY = 1;
/** The request is read; its response is not done yet. Pipelined bytes wait. */
const WAIT = 2;
/** A WebSocket: bytes pass both ways untouched. */
const TUNNEL = 3;
const CLOSED = 4;

/** Small request bodies that arrive with their head go to the target in one write with it. */
const SMALL_BODY_BYTES = 16 * 1024;

/**
 * One client connection of an ALB listener: HTTP/1.1 with keep-alive (and pipelining, one
 * request at a time), each request routed by the listener's rules and either answered by ALB or
 * forwarded to a target (alb-exchange.ts), bodies streamed as they come, with backpressure.
 */
export class AlbConnection implements ExchangeClient {
  readonly socket: Socket;
  readonly services: LbServices;
  readonly sticky = new StickyState();
  readonly #listener: AlbListener;
  readonly #exchange: AlbExchange;
  readonly #remoteIp: string;
  #phase = HEAD;
  /** Client bytes read and not yet used. */
  #buf: Buffer | null = null;
  #parsing = false;
  #timeoutMs = 0;

  // The current request.
  #reqDone = true;
  #bodyLeft = 0;
  #reqChunks: ChunkedScanner | null = null;
  /** Where request body bytes go: the target, or nowhere. */
  #sink: Upstream | null = null;
  #closeAfter = false;
  #clientEnded = false;

  constructor(socket: Socket, listener: AlbListener) {
    this.socket = socket;
    this.services = listener.services;
    this.#listener = listener;
    this.#exchange = new AlbExchange(this);
    this.#remoteIp = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    this.#setTimeout(listener.config.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => {
      const phase = this.#exchange.phase;
      if (phase === Response.BODY || phase === Response.TUNNEL) this.#exchange.up?.socket.resume();
      else if (this.#phase === HEAD) this.#next();
    });
    socket.on('timeout', () => this.#onTimeout());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#onClose());
  }

  get requestDone(): boolean {
    return this.#reqDone;
  }

  get closing(): boolean {
    return this.#closeAfter || this.#clientEnded;
  }

  /** No request is under way: closing now loses nothing. */
  get idle(): boolean {
    return this.#phase === HEAD && this.#buf === null;
  }

  /** Closes once the request under way is answered (at once when idle). */
  closeWhenIdle(): void {
    this.#closeAfter = true;
    if (this.idle) this.#end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // ---- what the exchange tells ------------------------------------------------------------

  responseDone(close: boolean): void {
    // Among the reasons: the target answered before the request body was all read, and nothing
    // more is read from it.
    if (close || !this.#reqDone) this.#closeAfter = true;
    if (this.#reqDone || this.#closeAfter) this.#finish();
  }

  failed(status: 502 | 504): void {
    this.#sink = null;
    this.#respond(status);
  }

  tunnelOpened(up: Upstream): void {
    this.#phase = TUNNEL;
    const early = this.#buf;
    this.#buf = null;
    if (early !== null && !up.write(early)) this.socket.pause();
    this.socket.resume();
  }

  upstreamDrained(): void {
    if (this.#phase === BODY || this.#phase === TUNNEL) this.socket.resume();
  }

  // ---- the client's side ------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    switch (this.#phase) {
      case HEAD:
        this.#buf = this.#buf === null ? chunk : Buffer.concat([this.#buf, chunk]);
        this.#parse();
        break;
      case BODY:
        this.#feedBody(chunk);
        break;
      case WAIT:
        // Pipelined: the next request waits until this one is answered.
        this.#buf = this.#buf === null ? chunk : Buffer.concat([this.#buf, chunk]);
        this.socket.pause();
        break;
      case TUNNEL: {
        const up = this.#exchange.up;
        if (up !== null && !up.write(chunk)) this.socket.pause();
        break;
      }
    }
  }

  #parse(): void {
    if (this.#parsing) return; // the loop below is running further up the stack
    this.#parsing = true;
    try {
      while (this.#phase === HEAD && this.#buf !== null && this.#parseOne()) {}
    } finally {
      this.#parsing = false;
    }
  }

  /** Takes one request head from the buffer; false when it is not all there yet. */
  #parseOne(): boolean {
    const buf = this.#buf!;
    let start = 0;
    // Empty lines before a request are ignored (RFC 9112 §2.2).
    while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
    const end = buf.indexOf(CRLFCRLF, start);
    if (end < 0 || end - start > MAX_HEAD_BYTES) {
      if (buf.length - start > MAX_HEAD_BYTES) this.#reject(400);
      else if (start === buf.length) this.#buf = null;
      return false;
    }
    const parsed = parseRequestHead(buf.toString('latin1', start, end));
    this.#buf = end + 4 < buf.length ? buf.subarray(end + 4) : null;
    if (typeof parsed === 'number') {
      this.#reject(parsed);
      return false;
    }
    this.#startRequest(parsed);
    return true;
  }

  #startRequest(head: RequestHead): void {
    const config = this.#listener.config;
    if (config.idleTimeoutMs !== this.#timeoutMs) this.#setTimeout(config.idleTimeoutMs);
    this.#reqDone = !head.hasBody;
    this.#bodyLeft = Math.max(head.contentLength, 0);
    this.#reqChunks = head.chunked ? new ChunkedScanner() : null;
    if (!head.keepAlive) this.#closeAfter = true;
    const action = matchRule(config.rules, head, this.#remoteIp)?.action;
    if (action === undefined) {
      this.#respond(503);
      return;
    }
    switch (action.kind) {
      case 'forward':
        this.#forward(head, action);
        return;
      case 'fixed':
        this.#respondWith(
          elbResponse(action.status, {
            date: this.services.dates.get(),
            close: this.closing,
            contentType: action.contentType,
            body: action.body,
          }),
        );
        return;
      case 'redirect': {
        const location = redirectLocation(action.plan, {
          protocol: 'http',
          host: head.host,
          port: config.port,
          path: head.path,
          query: head.query,
        });
        this.#respondWith(
          elbResponse(action.status, {
            date: this.services.dates.get(),
            close: this.closing,
            extraHeaders: `Location: ${location}\r\n`,
          }),
        );
        return;
      }
    }
  }

  #forward(head: RequestHead, action: Extract<AlbAction, { kind: 'forward' }>): void {
    const weighted = chooseGroup(head, action, this.services, this.sticky);
    const target = weighted && chooseTarget(head, weighted.group, this.services, this.sticky);
    if (target === undefined) {
      // No registered target (or every one draining): ALB's 503.
      this.#respond(503);
      return;
    }
    const upHead = forwardedRequestHead(head, this.#remoteIp, this.#listener.config, this.services.traces);
    if (upHead === 463) {
      this.#respond(463);
      return;
    }
    const up = this.#exchange.open(target, head, upHead);
    const buf = this.#buf;
    const length = this.#bodyLeft;
    if (
      !this.#reqDone &&
      this.#reqChunks === null &&
      buf !== null &&
      buf.length >= length &&
      length <= SMALL_BODY_BYTES
    ) {
      // A small body that came with its head: one write to the target.
      up.write(withHead(upHead, buf, 0, length));
      this.#buf = length < buf.length ? buf.subarray(length) : null;
      this.#bodyLeft = 0;
      this.#reqDone = true;
      this.#phase = WAIT;
      if (this.#buf !== null) this.socket.pause();
      return;
    }
    up.socket.cork();
    up.write(upHead, 'latin1');
    if (this.#reqDone) {
      this.#phase = WAIT;
    } else {
      this.#phase = BODY;
      this.#sink = up;
      this.#takeBuffered();
    }
    up.socket.uncork();
  }

  /** Feeds what the buffer holds of the request body. */
  #takeBuffered(): void {
    const buf = this.#buf;
    if (buf === null) return;
    this.#buf = null;
    this.#feedBody(buf);
  }

  /** Request body bytes, to the target or discarded; what follows the body waits in the buffer. */
  #feedBody(chunk: Buffer): void {
    let used: number;
    let done: boolean;
    if (this.#reqChunks !== null) {
      const end = this.#reqChunks.scan(chunk, 0);
      if (end === CHUNKED_ERROR) {
        const answered = this.#exchange.phase === Response.BODY || this.#exchange.phase === Response.DONE;
        this.#exchange.abandon();
        if (answered) this.socket.destroy();
        else this.#reject(400);
        return;
      }
      done = end !== CHUNKED_MORE;
      used = done ? end : chunk.length;
    } else {
      used = Math.min(this.#bodyLeft, chunk.length);
      this.#bodyLeft -= used;
      done = this.#bodyLeft === 0;
    }
    if (used > 0 && this.#sink !== null) {
      if (!this.#sink.write(used === chunk.length ? chunk : chunk.subarray(0, used))) this.socket.pause();
    }
    if (used < chunk.length) this.#buf = chunk.subarray(used);
    if (!done) return;
    this.#reqDone = true;
    this.#sink = null;
    if (this.#exchange.phase === Response.DONE) {
      this.#finish();
    } else {
      this.#phase = WAIT;
      if (this.#buf !== null) this.socket.pause();
    }
  }

  #onEnd(): void {
    this.#clientEnded = true;
    if (this.#phase === TUNNEL) {
      this.#exchange.up?.socket.end();
    } else if (this.#phase === HEAD) {
      this.#end(); // a request cut off before its head ended is no request
    } else if (!this.#reqDone) {
      // The client stopped in the middle of its request body: nothing can complete it.
      this.#exchange.abandon();
      this.socket.destroy();
    }
  }

  #onTimeout(): void {
    // ALB's idle timeout: no byte either way for that long.
    if (this.#phase === HEAD) {
      if (this.#buf !== null) this.#reject(408);
      else this.socket.destroy();
    } else if (this.#exchange.phase === Response.HEAD) {
      this.#exchange.abandon();
      this.failed(504);
    } else {
      this.#exchange.abandon();
      this.socket.destroy();
    }
  }

  #onClose(): void {
    this.#phase = CLOSED;
    this.#exchange.abandon();
    this.#listener.connections.delete(this);
  }

  #setTimeout(ms: number): void {
    this.#timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  // ---- answers of ALB's own ---------------------------------------------------------------

  /** A bad request: ALB's page, then the connection closes (where the next request starts is unknown). */
  #reject(status: number): void {
    this.#phase = CLOSED;
    this.#buf = null;
    this.socket.end(elbResponse(status, { date: this.services.dates.get(), close: true }), 'latin1');
  }

  /** ALB's page for `status` for the request under way (a cut, if part of an answer went out). */
  #respond(status: number): void {
    const phase = this.#exchange.phase;
    if (phase === Response.BODY || phase === Response.DONE) {
      this.socket.destroy();
      return;
    }
    this.#respondWith(elbResponse(status, { date: this.services.dates.get(), close: this.closing }));
  }

  #respondWith(response: string): void {
    this.socket.write(response, 'latin1');
    this.#exchange.phase = Response.DONE;
    if (this.closing || this.#reqDone) {
      this.#finish();
      return;
    }
    // Read the rest of the body into nowhere, then take the next request.
    this.#sink = null;
    this.#phase = BODY;
    this.#takeBuffered();
  }

  /** The exchange is over: close, or take the next request. */
  #finish(): void {
    this.#sink = null;
    this.#exchange.reset();
    this.sticky.reset();
    if (this.closing) {
      this.#end();
      return;
    }
    this.#phase = HEAD;
    // A client that sends requests faster than it reads the answers waits for them to drain.
    if (this.socket.writableNeedDrain) this.socket.pause();
    else this.#next();
  }

  /** Takes the next request: the one already read (pipelined), or reads on. */
  #next(): void {
    if (this.#buf !== null) this.#parse();
    if (this.#phase === HEAD) this.socket.resume();
  }

  #end(): void {
    this.#phase = CLOSED;
    this.#buf = null;
    this.socket.end();
  }
}
