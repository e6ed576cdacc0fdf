/**
 * The head of an HTTP/1.x request, parsed by hand for the load balancer's hot path: one pass over
 * the header lines, strict where lenient parsing lets requests be smuggled past a proxy (a space
 * before the colon, folded lines, bare LF, conflicting lengths, unknown transfer codings).
 */

import { hasBadTargetChar, hasControl, isToken } from './http-chars.ts';

/** Longest head accepted, as ALB's 64 KiB for all headers. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Longest request line or header line, as ALB's 16 KiB. */
export const MAX_LINE_BYTES = 16 * 1024;

const CONTENT_LENGTH = /^[0-9]{1,15}$/;

/** A parsed request head. Header lines keep their text as sent, so they are forwarded unchanged. */
export class RequestHead {
  method = '';
  /** The target to send upstream: origin form (`/path?query`), or `*`. */
  target = '';
  /** The target up to `?`. */
  path = '';
  /** What follows `?`, or `''`. */
  query = '';
  hasQuery = false;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  httpMinor = 1;
  /** Each header line as sent, without its CRLF. */
  readonly lines: string[] = [];
  /** Each header's name, lowercased. */
  readonly names: string[] = [];
  /** Each header's value, without surrounding whitespace. */
  readonly values: string[] = [];
  /** The Host header as sent (port included), or the authority of an absolute-form target. */
  authority = '';
  /** The host without its port, lowercased. */
  host = '';
  /** -1 when the request has no Content-Length. */
  contentLength = -1;
  chunked = false;
  keepAlive = true;
  /** The client asks for a WebSocket upgrade. */
  websocket = false;
  /** Headers the Connection header names, lowercased: hop-by-hop, not forwarded. */
  connectionTokens: string[] | undefined = undefined;

  /** The values of a header (name lowercased), in order. */
  all(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out.push(this.values[i]!);
    return out;
  }

  /** The first value of a header (name lowercased). */
  get(name: string): string | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /** Whether the request has a body to forward. */
  get hasBody(): boolean {
    return this.chunked || this.contentLength > 0;
  }
}

/**
 * Parses `text`, the head without its final CRLF CRLF (read as latin1). Answers the head, or the
 * status ALB answers for a bad one: 400, 405 (TRACE), 414 (request line too long), 501 (a
 * transfer coding other than chunked).
 */
export function parseRequestHead(text: string): RequestHead | number {
  const head = new RequestHead();
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  if (eol > MAX_LINE_BYTES) return 414;
  const status = parseRequestLine(text, eol, head);
  if (status !== 0) return status;
  let hostSeen = false;
  let connection: string | undefined;
  let upgrade = '';
  let transferEncoding: string | undefined;
  let pos = eol + 2;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    if (end - pos > MAX_LINE_BYTES) return 400;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= end) return 400;
    const name = text.slice(pos, colon);
    // A name with whitespace around it (or a folded line, which starts with whitespace) is refused.
    if (!isToken(name)) return 400;
    const value = text.slice(colon + 1, end).trim();
    if (hasControl(value)) return 400;
    const lower = name.toLowerCase();
    head.lines.push(text.slice(pos, end));
    head.names.push(lower);
    head.values.push(value);
    switch (lower) {
      case 'host':
        if (hostSeen) return 400;
        hostSeen = true;
        if (head.authority === '') head.authority = value;
        break;
      case 'content-length': {
        // Repeated lengths (or a list) must all agree, or the request could mean two things.
        for (const part of value.split(',')) {
          const n = part.trim();
          if (!CONTENT_LENGTH.test(n)) return 400;
          const length = Number(n);
          if (head.contentLength >= 0 && head.contentLength !== length) return 400;
          head.contentLength = length;
        }
        break;
      }
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        break;
      case 'connection':
        connection = connection === undefined ? value : `${connection},${value}`;
        break;
      case 'upgrade':
        upgrade = value;
        break;
    }
    pos = end + 2;
  }
  if (transferEncoding !== undefined) {
    const codings = transferEncoding
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '' && c !== 'identity');
    if (codings.length > 0) {
      if (codings.length !== 1 || codings[0] !== 'chunked') return 501;
      if (head.contentLength >= 0 || head.httpMinor === 0) return 400;
      head.chunked = true;
    }
  }
  if (head.httpMinor === 1 && !hostSeen && head.authority === '') return 400;
  head.host = hostOf(head.authority);
  if (connection !== undefined) {
    const tokens = connection
      .toLowerCase()
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    head.connectionTokens = tokens;
    if (tokens.includes('close')) head.keepAlive = false;
    else if (head.httpMinor === 0) head.keepAlive = tokens.includes('keep-alive');
    head.websocket = tokens.includes('upgrade') && /(^|[\s,])websocket($|[\s,])/i.test(upgrade);
  } else if (head.httpMinor === 0) {
    head.keepAlive = false;
  }
  return head;
}

function parseRequestLine(text: string, eol: number, head: RequestHead): number {
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || sp1 >= eol) return 400;
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= eol || sp2 === sp1 + 1) return 400;
  const method = text.slice(0, sp1);
  if (!isToken(method)) return 400;
  const version = text.slice(sp2 + 1, eol);
  if (version === 'HTTP/1.1') head.httpMinor = 1;
  else if (version === 'HTTP/1.0') head.httpMinor = 0;
  else return 400;
  let target = text.slice(sp1 + 1, sp2);
  if (hasBadTargetChar(target)) return 400;
  if (method === 'TRACE') return 405;
  if (target.charCodeAt(0) !== 47 /* / */) {
    if (target === '*' && method === 'OPTIONS') {
      head.method = method;
      head.target = head.path = target;
      return 0;
    }
    const absolute = /^https?:\/\/([^/?#]+)([^#]*)/i.exec(target);
    if (!absolute) return 400;
    head.authority = absolute[1]!;
    target = absolute[2] === '' ? '/' : absolute[2]!;
    if (target.charCodeAt(0) !== 47) target = `/${target}`;
  }
  head.method = method;
  head.target = target;
  const q = target.indexOf('?');
  if (q < 0) {
    head.path = target;
  } else {
    head.path = target.slice(0, q);
    head.query = target.slice(q + 1);
    head.hasQuery = true;
  }
  return 0;
}

/** The host of an authority (`host:port`, `[v6]:port`), lowercased, without the port. */
export function hostOf(authority: string): string {
  let host = authority;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    host = close < 0 ? host : host.slice(0, close + 1);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) host = host.slice(0, colon);
  }
  return host.toLowerCase();
}
