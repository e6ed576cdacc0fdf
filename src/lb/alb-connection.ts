import type { Socket } from 'node:net';
import type { AlbAction, WeightedGroup } from './alb-action.ts';
import type { AlbListener } from './alb-listener.ts';
import { elbResponse } from './alb-responses.ts';
import { CHUNKED_ERROR, CHUNKED_MORE, ChunkedScanner } from './chunked-scanner.ts';
import { MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from './http-request-head.ts';
import { parseResponseHead, type ResponseHead } from './http-response-head.ts';
import { redirectLocation } from './redirect-url.ts';
import { matchRule } from './rule-matcher.ts';
import {
  APP_COOKIE,
  APP_COOKIE_LIFETIME_MS,
  cookieValue,
  LB_COOKIE,
  LB_COOKIE_CORS,
  setCookieLine,
  TG_COOKIE,
  TG_COOKIE_CORS,
} from './stickiness-cookies.ts';
import type { TargetGroupRuntime } from './target-group-runtime.ts';
import type { TargetRuntime } from './target-runtime.ts';
import type { Upstream, UpstreamFailure, UpstreamOwner } from './upstream-pool.ts';

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

// Where the response is.
const R_NONE = 0;
/** Waiting for (more of) the target's response head. */
const R_HEAD = 1;
const R_BODY = 2;
const R_DONE = 3;

// How the response body is framed.
const F_LENGTH = 0;
const F_CHUNKED = 1;
/** Until the target closes the connection. */
const F_CLOSE = 2;
const F_NONE = 3;

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

/** Bodies up to this size that arrive with their head are written with it in one buffer. */
const SMALL_BODY_BYTES = 16 * 1024;

/** `head` (latin1) followed by `body[from, to)`, in one new buffer. */
function withHead(head: string, body: Buffer, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(head.length + to - from);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length, from, to);
  return out;
}

/** ALB answers 463 to a request whose X-Forwarded-For holds more than 30 addresses. */
const MAX_FORWARDED_FOR = 30;

/**
 * One client connection of an ALB listener: HTTP/1.1 with keep-alive (and pipelining, one
 * request at a time), each request routed by the listener's rules and either answered by ALB or
 * streamed to a target over a pooled connection, bodies both ways as they come, with backpressure.
 * A WebSocket upgrade that the target accepts turns the connection into a tunnel.
 */
export class AlbConnection implements UpstreamOwner {
  readonly #socket: Socket;
  readonly #listener: AlbListener;
  readonly #remoteIp: string;
  #phase = HEAD;
  /** Client bytes read and not yet used. */
  #buf: Buffer | null = null;
  #parsing = false;
  #timeoutMs = 0;

  // The current request.
  #head: RequestHead | null = null;
  #reqDone = true;
  #bodyLeft = 0;
  #reqChunks: ChunkedScanner | null = null;
  /** Where request body bytes go: the target, or nowhere. */
  #sink: Upstream | null = null;
  #closeAfter = false;
  #clientEnded = false;

  // Its response.
  #resPhase = R_NONE;
  #up: Upstream | null = null;
  #target: TargetRuntime | null = null;
  #upHead = '';
  #retried = false;
  #resBuf: Buffer | null = null;
  #framing = F_NONE;
  #resLeft = 0;
  #resChunks: ChunkedScanner | null = null;
  /** Wrap a body that runs until close in chunks, for an HTTP/1.1 client. */
  #rechunk = false;
  /** Unwrap a chunked body, for an HTTP/1.0 client. */
  #dechunk = false;
  #upReusable = false;
  /** Set-Cookie lines ALB adds to this response (stickiness). */
  #cookies = '';
  /** Application-cookie stickiness of this request's target group, when on. */
  #appSticky: {
    group: TargetGroupRuntime;
    target: TargetRuntime;
    cookieName: string;
    stuck: boolean;
  } | null = null;

  constructor(socket: Socket, listener: AlbListener) {
    this.#socket = socket;
    this.#listener = listener;
    this.#remoteIp = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    this.#setTimeout(listener.config.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => {
      const up = this.#up;
      if (up !== null && (this.#resPhase === R_BODY || this.#phase === TUNNEL)) up.socket.resume();
      else if (this.#phase === HEAD) this.#next();
    });
    socket.on('timeout', () => this.#onTimeout());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#onClose());
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
    this.#socket.destroy();
  }

  // ---- client side ------------------------------------------------------------------------

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
        this.#socket.pause();
        break;
      case TUNNEL:
        if (this.#up !== null && !this.#up.write(chunk)) this.#socket.pause();
        break;
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
    this.#head = head;
    this.#reqDone = !head.hasBody;
    this.#bodyLeft = Math.max(head.contentLength, 0);
    this.#reqChunks = head.chunked ? new ChunkedScanner() : null;
    if (!head.keepAlive) this.#closeAfter = true;
    const rule = matchRule(config.rules, head, this.#remoteIp);
    const action = rule?.action;
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
            date: this.#listener.services.dates.get(),
            close: this.#closing(),
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
            date: this.#listener.services.dates.get(),
            close: this.#closing(),
            extraHeaders: `Location: ${location}\r\n`,
          }),
        );
        return;
      }
    }
  }

  /** Request body bytes, to the target or discarded; what follows the body waits in the buffer. */
  #feedBody(chunk: Buffer): void {
    let used: number;
    let done: boolean;
    if (this.#reqChunks !== null) {
      const end = this.#reqChunks.scan(chunk, 0);
      if (end === CHUNKED_ERROR) {
        this.#abandonUpstream();
        if (this.#resPhase === R_BODY || this.#resPhase === R_DONE) this.#socket.destroy();
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
      if (!this.#sink.write(used === chunk.length ? chunk : chunk.subarray(0, used))) this.#socket.pause();
    }
    if (used < chunk.length) this.#buf = chunk.subarray(used);
    if (!done) return;
    this.#reqDone = true;
    this.#sink = null;
    if (this.#resPhase === R_DONE) {
      this.#finish();
    } else {
      this.#phase = WAIT;
      if (this.#buf !== null) this.#socket.pause();
    }
  }

  #onEnd(): void {
    this.#clientEnded = true;
    if (this.#phase === TUNNEL) {
      this.#up?.socket.end();
    } else if (this.#phase === HEAD) {
      this.#end(); // a request cut off before its head ended is no request
    } else if (!this.#reqDone) {
      // The client stopped in the middle of its request body: nothing can complete it.
      this.#abandonUpstream();
      this.#socket.destroy();
    }
  }

  #onTimeout(): void {
    // ALB's idle timeout: no byte either way for that long.
    if (this.#phase === HEAD) {
      if (this.#buf !== null) this.#reject(408);
      else this.#socket.destroy();
    } else if (this.#resPhase === R_HEAD && this.#up !== null) {
      this.#abandonUpstream();
      this.#respondError(504);
    } else {
      this.#abandonUpstream();
      this.#socket.destroy();
    }
  }

  #onClose(): void {
    this.#phase = CLOSED;
    this.#abandonUpstream();
    this.#listener.connections.delete(this);
  }

  #setTimeout(ms: number): void {
    this.#timeoutMs = ms;
    this.#socket.setTimeout(ms);
  }

  // ---- answers of ALB's own ---------------------------------------------------------------

  /** Whether the client connection closes after the current response. */
  #closing(): boolean {
    return this.#closeAfter || this.#clientEnded;
  }

  /** A bad request: ALB's page, then the connection closes (where the next request starts is unknown). */
  #reject(status: number): void {
    this.#phase = CLOSED;
    this.#buf = null;
    const date = this.#listener.services.dates.get();
    this.#socket.end(elbResponse(status, { date, close: true }), 'latin1');
  }

  /** ALB's page for `status`; the connection stays open when the request can be read to its end. */
  #respond(status: number): void {
    this.#respondWith(
      elbResponse(status, { date: this.#listener.services.dates.get(), close: this.#closing() }),
    );
  }

  /** A 502/503/504 for the request under way, whatever has been read of it. */
  #respondError(status: number): void {
    if (this.#resPhase === R_BODY || this.#resPhase === R_DONE) {
      this.#socket.destroy(); // part of a response went out already: only a cut can tell the client
      return;
    }
    this.#respond(status);
  }

  #respondWith(response: string): void {
    const closing = this.#closing();
    this.#socket.write(response, 'latin1');
    this.#resPhase = R_DONE;
    if (closing) {
      this.#closeAfter = true;
      this.#finish();
      return;
    }
    if (this.#reqDone) {
      this.#finish();
      return;
    }
    // Read the rest of the body into nowhere, then take the next request.
    this.#sink = null;
    this.#phase = BODY;
    this.#takeBuffered();
  }

  // ---- forwarding -------------------------------------------------------------------------

  #forward(head: RequestHead, action: Extract<AlbAction, { kind: 'forward' }>): void {
    const services = this.#listener.services;
    const weighted = this.#chooseGroup(head, action);
    const target = weighted === undefined ? undefined : this.#chooseTarget(head, weighted.group);
    if (target === undefined) {
      // No registered target (or every one draining): ALB's 503.
      this.#respond(503);
      return;
    }
    let forwardedFor = this.#remoteIp;
    const received = head.all('x-forwarded-for');
    if (received.length > 0) {
      const chain = received.join(', ');
      let addresses = 1;
      for (let i = 0; i < chain.length; i++) if (chain.charCodeAt(i) === 44) addresses++;
      if (addresses > MAX_FORWARDED_FOR) {
        this.#respond(463);
        return;
      }
      forwardedFor = `${chain}, ${this.#remoteIp}`;
    }
    const config = this.#listener.config;
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
    if (head.authority === '') out += `Host: ${config.address}:${config.port}\r\n`;
    if (head.websocket) out += 'Connection: Upgrade\r\n';
    out +=
      `X-Forwarded-For: ${forwardedFor}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: ${config.port}\r\n` +
      `X-Amzn-Trace-Id: ${services.traces.header(head.get('x-amzn-trace-id'))}\r\n\r\n`;
    this.#upHead = out;
    this.#target = target;
    target.outstanding++;
    this.#connect(false);
  }

  #connect(fresh: boolean): void {
    const up = this.#target!.pool.acquire(this, fresh);
    this.#up = up;
    this.#resPhase = R_HEAD;
    this.#resBuf = null;
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
      up.write(withHead(this.#upHead, buf, 0, length));
      this.#buf = length < buf.length ? buf.subarray(length) : null;
      this.#bodyLeft = 0;
      this.#reqDone = true;
      this.#phase = WAIT;
      if (this.#buf !== null) this.#socket.pause();
      return;
    }
    up.socket.cork();
    up.write(this.#upHead, 'latin1');
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

  #chooseGroup(
    head: RequestHead,
    action: Extract<AlbAction, { kind: 'forward' }>,
  ): WeightedGroup | undefined {
    const { groups } = action;
    if (groups.length <= 1) return groups[0];
    const services = this.#listener.services;
    const now = services.now();
    let chosen: WeightedGroup | undefined;
    if (action.stickyMs > 0) {
      const sealed = cookieValue(head.all('cookie'), TG_COOKIE);
      const payload = sealed === undefined ? undefined : services.cookies.open(sealed);
      if (payload !== undefined) {
        const [arn, expires] = payload.split('|');
        if (Number(expires) > now) chosen = groups.find((g) => g.group.arn === arn);
      }
    }
    if (chosen === undefined) {
      let r = services.random() * action.totalWeight;
      chosen = groups[groups.length - 1]!;
      for (const g of groups) {
        r -= g.weight;
        if (r < 0) {
          chosen = g;
          break;
        }
      }
    }
    if (action.stickyMs > 0) {
      const expires = now + action.stickyMs;
      const value = services.cookies.seal(`${chosen.group.arn}|${expires}`);
      this.#cookies +=
        setCookieLine(TG_COOKIE, value, expires, false) + setCookieLine(TG_COOKIE_CORS, value, expires, true);
    }
    return chosen;
  }

  #chooseTarget(head: RequestHead, group: TargetGroupRuntime): TargetRuntime | undefined {
    const stickiness = group.plan.stickiness;
    if (!stickiness.enabled || stickiness.type === 'source_ip') return group.pick();
    const services = this.#listener.services;
    const now = services.now();
    const durationMs = stickiness.durationSeconds * 1000;
    const cookies = head.all('cookie');
    const app = stickiness.type === 'app_cookie';
    let target: TargetRuntime | undefined;
    const sealed = cookieValue(cookies, app ? APP_COOKIE : LB_COOKIE);
    const payload = sealed === undefined ? undefined : services.cookies.open(sealed);
    if (payload !== undefined && (!app || cookieValue(cookies, stickiness.cookieName ?? '') !== undefined)) {
      const [arn, key, expires] = payload.split('|');
      if (arn === group.arn && Number(expires) > now) target = group.sticky(key!);
    }
    const stuck = target !== undefined;
    target ??= group.pick();
    if (target === undefined) return undefined;
    if (app) {
      this.#appSticky = { group, target, cookieName: stickiness.cookieName ?? '', stuck };
    } else {
      // ALB renews its cookie on every response.
      const value = services.cookies.seal(`${group.arn}|${target.key}|${now + durationMs}`);
      this.#cookies +=
        setCookieLine(LB_COOKIE, value, now + durationMs, false) +
        setCookieLine(LB_COOKIE_CORS, value, now + durationMs, true);
    }
    return target;
  }

  // ---- the target's side ------------------------------------------------------------------

  onUpstreamData(up: Upstream, chunk: Buffer): void {
    if (up !== this.#up) return;
    switch (this.#resPhase) {
      case R_HEAD:
        this.#resBuf = this.#resBuf === null ? chunk : Buffer.concat([this.#resBuf, chunk]);
        this.#parseResponse();
        break;
      case R_BODY:
        this.#feedResponse(chunk, 0);
        break;
      default:
        if (this.#phase === TUNNEL) {
          if (!this.#socket.write(chunk)) up.socket.pause();
        }
    }
  }

  onUpstreamDrain(up: Upstream): void {
    if (up === this.#up && (this.#phase === BODY || this.#phase === TUNNEL)) this.#socket.resume();
  }

  onUpstreamClose(up: Upstream, failure: UpstreamFailure | undefined): void {
    if (up !== this.#up) return;
    if (this.#phase === TUNNEL) {
      this.#up = null;
      this.#target?.tunnels.delete(this.#socket);
      if (failure === undefined) this.#socket.end();
      else this.#socket.destroy();
      return;
    }
    if (this.#resPhase === R_HEAD) {
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
        this.#connect(true);
        return;
      }
      this.#up = null;
      this.#releaseTarget();
      this.#respondError(failure === 'connect-timeout' ? 504 : 502);
      return;
    }
    if (this.#resPhase === R_BODY && this.#framing === F_CLOSE && failure === undefined) {
      if (this.#rechunk) this.#socket.write('0\r\n\r\n');
      this.#upReusable = false;
      this.#endResponse();
      return;
    }
    // The response was cut short: so is the client's connection, as ALB does.
    this.#up = null;
    this.#releaseTarget();
    this.#socket.destroy();
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
      if (head.httpMinor === 1) this.#socket.write(buf.subarray(0, rest));
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
    if ((this.#framing === F_CLOSE && !client11) || this.#dechunk) this.#closeAfter = true;
    this.#resLeft = res.contentLength;
    this.#resChunks = this.#framing === F_CHUNKED ? new ChunkedScanner() : null;

    let out = `HTTP/1.1 ${res.statusText}\r\n`;
    const tokens = res.connectionTokens;
    const { names, lines } = res;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (DROP_RESPONSE.has(name) || tokens?.includes(name)) continue;
      if (name === 'content-length' && this.#framing === F_CHUNKED) continue;
      out += `${lines[i]}\r\n`;
    }
    if ((this.#framing === F_CHUNKED && !this.#dechunk) || this.#rechunk)
      out += 'Transfer-Encoding: chunked\r\n';
    out += this.#cookies;
    if (this.#appSticky !== null) out += this.#appCookie(res);
    // A target that answers before the request body is all sent gets no more of it: the client
    // connection closes after this response.
    if (this.#closing() || !this.#reqDone) out += 'Connection: close\r\n';
    else if (!client11) out += 'Connection: keep-alive\r\n';
    out += '\r\n';

    const socket = this.#socket;
    this.#resPhase = R_BODY;
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

  #appCookie(res: ResponseHead): string {
    const sticky = this.#appSticky!;
    this.#appSticky = null;
    const prefix = `${sticky.cookieName}=`;
    const set = res.setCookies.some((c) => c.startsWith(prefix));
    if (!set && !sticky.stuck) return '';
    const services = this.#listener.services;
    const now = services.now();
    const durationMs = sticky.group.plan.stickiness.durationSeconds * 1000;
    const value = services.cookies.seal(`${sticky.group.arn}|${sticky.target.key}|${now + durationMs}`);
    return setCookieLine(APP_COOKIE, value, now + APP_COOKIE_LIFETIME_MS, false);
  }

  #feedResponse(buf: Buffer, from: number): void {
    const socket = this.#socket;
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
          this.#abandonUpstream();
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
    else if (!writable) this.#up?.socket.pause();
  }

  /** The response is all written: the target connection goes back to the pool if it can. */
  #endResponse(): void {
    this.#resPhase = R_DONE;
    const up = this.#up;
    this.#up = null;
    this.#releaseTarget();
    if (up !== null) {
      if (this.#upReusable && this.#reqDone) {
        up.socket.resume();
        up.pool.release(up);
      } else {
        up.pool.discard(up);
      }
    }
    // The target answered before the request body was all read: nothing more is read from it.
    if (!this.#reqDone) this.#closeAfter = true;
    if (this.#reqDone || this.#closeAfter) this.#finish();
  }

  #badGateway(): void {
    this.#abandonUpstream();
    this.#respondError(502);
  }

  /** The target accepted the WebSocket: the 101 goes to the client, then bytes pass both ways. */
  #tunnel(buf: Buffer): void {
    const up = this.#up!;
    this.#phase = TUNNEL;
    this.#resPhase = R_NONE;
    this.#resBuf = null;
    const target = this.#target!;
    target.outstanding--;
    target.tunnels.add(this.#socket);
    if (!this.#socket.write(buf)) up.socket.pause();
    const early = this.#buf;
    this.#buf = null;
    if (early !== null && !up.write(early)) this.#socket.pause();
    this.#socket.resume();
  }

  /** Drops the target connection of an exchange that cannot finish. */
  #abandonUpstream(): void {
    const up = this.#up;
    if (up === null) return;
    this.#up = null;
    this.#sink = null;
    if (this.#phase !== TUNNEL) this.#releaseTarget();
    else this.#target?.tunnels.delete(this.#socket);
    up.pool.discard(up);
  }

  #releaseTarget(): void {
    const target = this.#target;
    if (target === null) return;
    this.#target = null;
    target.outstanding--;
  }

  /** The exchange is over: close, or take the next request. */
  #finish(): void {
    this.#head = null;
    this.#resPhase = R_NONE;
    this.#retried = false;
    this.#cookies = '';
    this.#appSticky = null;
    this.#sink = null;
    if (this.#closeAfter || this.#clientEnded) {
      this.#end();
      return;
    }
    this.#phase = HEAD;
    // A client that sends requests faster than it reads the answers waits for them to drain.
    if (this.#socket.writableNeedDrain) this.#socket.pause();
    else this.#next();
  }

  /** Takes the next request: the one already read (pipelined), or reads on. */
  #next(): void {
    if (this.#buf !== null) this.#parse();
    if (this.#phase === HEAD) this.#socket.resume();
  }

  #end(): void {
    this.#phase = CLOSED;
    this.#buf = null;
    this.#socket.end();
  }
}
