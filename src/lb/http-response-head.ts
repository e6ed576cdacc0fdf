/** The head of a target's HTTP/1.x response, parsed by hand as requests are (http-request-head.ts). */

import { hasControl, isToken } from './http-chars.ts';

export class ResponseHead {
  status = 0;
  /** The status line after the version: `200 OK`. */
  statusText = '';
  httpMinor = 1;
  readonly lines: string[] = [];
  readonly names: string[] = [];
  readonly values: string[] = [];
  /** -1 when the response has no (usable) Content-Length. */
  contentLength = -1;
  /** The body is chunked; otherwise, without a length, it runs until the target closes. */
  chunked = false;
  /** The target keeps the connection open after this response. */
  keepAlive = true;
  connectionTokens: string[] | undefined = undefined;
}

/** Parses `text`, the head without its final CRLF CRLF; undefined when it is malformed (a 502). */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const head = new ResponseHead();
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const m = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: |$)/.exec(text.slice(0, Math.min(eol, 16)));
  if (!m) return undefined;
  head.httpMinor = Number(m[1]);
  head.status = Number(m[2]);
  head.statusText = text.slice(9, eol);
  let connection: string | undefined;
  let transferEncoding: string | undefined;
  let pos = eol + 2;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= end) return undefined;
    const name = text.slice(pos, colon);
    if (!isToken(name)) return undefined;
    const value = text.slice(colon + 1, end).trim();
    if (hasControl(value)) return undefined;
    const lower = name.toLowerCase();
    head.lines.push(text.slice(pos, end));
    head.names.push(lower);
    head.values.push(value);
    if (lower === 'content-length') {
      if (!/^[0-9]{1,15}$/.test(value)) return undefined;
      const length = Number(value);
      if (head.contentLength >= 0 && head.contentLength !== length) return undefined;
      head.contentLength = length;
    } else if (lower === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
    } else if (lower === 'connection') {
      connection = connection === undefined ? value : `${connection},${value}`;
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
    head.connectionTokens = tokens;
    if (tokens.includes('close')) head.keepAlive = false;
    else if (head.httpMinor === 0) head.keepAlive = tokens.includes('keep-alive');
  } else if (head.httpMinor === 0) {
    head.keepAlive = false;
  }
  return head;
}
