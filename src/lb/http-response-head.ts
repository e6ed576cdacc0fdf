/**
 * The head of a target's HTTP/1.x response, parsed by hand as requests are (http-request-head.ts),
 * and lighter still: it runs once per response on the hot path, so only the headers that frame
 * the body or belong to the connection are looked at by name; the others pass as they came.
 */

import { hasControl, isTokenAt } from './http-chars.ts';

export class ResponseHead {
  status = 0;
  /** The status line after the version: `200 OK`. */
  statusText = '';
  httpMinor = 1;
  /** Each header line as sent, without its CRLF. */
  readonly lines: string[] = [];
  /**
   * Each header's name lowercased when it can matter to a proxy (Connection, Keep-Alive,
   * Transfer-Encoding, Content-Length, Upgrade, Set-Cookie and the like); `''` for the others.
   */
  readonly names: string[] = [];
  /** The values of Set-Cookie headers. */
  readonly setCookies: string[] = [];
  /** -1 when the response has no (usable) Content-Length. */
  contentLength = -1;
  /** The body is chunked; otherwise, without a length, it runs until the target closes. */
  chunked = false;
  /** The target keeps the connection open after this response. */
  keepAlive = true;
  /** Other headers the Connection header names (hop-by-hop), lowercased. */
  connectionTokens: string[] | undefined = undefined;
}

/** Lengths of the header names a proxy must look at: others are never lowercased. */
const INTERESTING_LENGTHS = new Set([7, 10, 14, 16, 17]);

/** Parses `text`, the head without its final CRLF CRLF; undefined when it is malformed (a 502). */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const head = new ResponseHead();
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  // `HTTP/1.x NNN` and a space or the end of the line.
  if (eol < 12 || !text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) return undefined;
  const minor = text.charCodeAt(7) - 48;
  const digits = [9, 10, 11].map((i) => text.charCodeAt(i) - 48);
  if ((minor !== 0 && minor !== 1) || digits.some((d) => d < 0 || d > 9) || digits[0] === 0) return undefined;
  if (eol > 12 && text.charCodeAt(12) !== 32) return undefined;
  const status = digits[0]! * 100 + digits[1]! * 10 + digits[2]!;
  head.httpMinor = minor;
  head.status = status;
  head.statusText = text.slice(9, eol);
  let connection: string | undefined;
  let transferEncoding: string | undefined;
  let allNames = false;
  let pos = eol + 2;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= end || !isTokenAt(text, pos, colon)) return undefined;
    const line = text.slice(pos, end);
    if (hasControl(line)) return undefined;
    const nameLength = colon - pos;
    const name = INTERESTING_LENGTHS.has(nameLength) ? line.slice(0, nameLength).toLowerCase() : '';
    head.lines.push(line);
    head.names.push(name);
    switch (name) {
      case 'content-length': {
        const value = line.slice(nameLength + 1).trim();
        if (!/^[0-9]{1,15}$/.test(value)) return undefined;
        const length = Number(value);
        if (head.contentLength >= 0 && head.contentLength !== length) return undefined;
        head.contentLength = length;
        break;
      }
      case 'transfer-encoding': {
        const value = line.slice(nameLength + 1).trim();
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        break;
      }
      case 'connection': {
        const value = line.slice(nameLength + 1).trim();
        connection = connection === undefined ? value : `${connection},${value}`;
        break;
      }
      case 'set-cookie':
        head.setCookies.push(line.slice(nameLength + 1).trim());
        break;
    }
    pos = end + 2;
  }
  if (transferEncoding !== undefined) {
    // A length means nothing beside a transfer coding; chunked last frames the body, else the close does.
    head.contentLength = -1;
    const codings = transferEncoding.toLowerCase().split(',');
    head.chunked = codings[codings.length - 1]!.trim() === 'chunked';
  }
  if (connection !== undefined) {
    const tokens = connection
      .toLowerCase()
      .split(',')
      .map((t) => t.trim());
    if (tokens.includes('close')) head.keepAlive = false;
    else if (head.httpMinor === 0) head.keepAlive = tokens.includes('keep-alive');
    const others = tokens.filter((t) => t !== 'close' && t !== 'keep-alive' && t !== 'upgrade' && t !== '');
    if (others.length > 0) {
      head.connectionTokens = others;
      allNames = true;
    }
  } else if (head.httpMinor === 0) {
    head.keepAlive = false;
  }
  if (allNames) {
    // Connection names other headers: those of any name must be found, so every name is lowercased.
    for (let i = 0; i < head.lines.length; i++) {
      const line = head.lines[i]!;
      head.names[i] = line.slice(0, line.indexOf(':')).toLowerCase();
    }
  }
  return head;
}
