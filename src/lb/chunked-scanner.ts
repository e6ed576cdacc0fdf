/**
 * Follows a chunked body (RFC 9112 §7.1) as it streams through, byte by byte across reads, to
 * find where it ends; optionally hands out the payload bytes (to un-chunk it for HTTP/1.0
 * clients). Strict: a bare LF, a size of more than 15 hex digits or a control byte is an error.
 */

const SIZE = 0;
const EXT = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILER_START = 6;
const TRAILER_LINE = 7;
const TRAILER_LF = 8;
const END_LF = 9;
const DONE = 10;

/** `scan` found no end yet. */
export const CHUNKED_MORE = -1;
/** `scan` found a framing error. */
export const CHUNKED_ERROR = -2;

export class ChunkedScanner {
  #state = SIZE;
  #digits = 0;
  #size = 0;
  #remaining = 0;

  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Scans `buf` from `start`. Answers the index just past the body's last byte, CHUNKED_MORE if
   * the body goes on past `buf`, or CHUNKED_ERROR. `onData` receives each run of payload bytes.
   */
  scan(buf: Uint8Array, start: number, onData?: (from: number, to: number) => void): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      switch (this.#state) {
        case SIZE: {
          const c = buf[i]!;
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.#digits > 15) return CHUNKED_ERROR;
            this.#size = this.#size * 16 + digit;
          } else if (this.#digits === 0) {
            return CHUNKED_ERROR;
          } else if (c === 0x3b /* ; */) {
            this.#state = EXT;
          } else if (c === 0x0d) {
            this.#state = SIZE_LF;
          } else {
            return CHUNKED_ERROR;
          }
          i++;
          break;
        }
        case EXT: {
          const c = buf[i]!;
          if (c === 0x0d) this.#state = SIZE_LF;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return CHUNKED_ERROR;
          i++;
          break;
        }
        case SIZE_LF:
          if (buf[i] !== 0x0a) return CHUNKED_ERROR;
          i++;
          this.#digits = 0;
          if (this.#size === 0) {
            this.#state = TRAILER_START;
          } else {
            this.#remaining = this.#size;
            this.#size = 0;
            this.#state = DATA;
          }
          break;
        case DATA: {
          const take = Math.min(this.#remaining, n - i);
          if (onData) onData(i, i + take);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (buf[i] !== 0x0d) return CHUNKED_ERROR;
          this.#state = DATA_LF;
          i++;
          break;
        case DATA_LF:
          if (buf[i] !== 0x0a) return CHUNKED_ERROR;
          this.#state = SIZE;
          i++;
          break;
        case TRAILER_START: {
          const c = buf[i]!;
          if (c === 0x0a) return CHUNKED_ERROR;
          this.#state = c === 0x0d ? END_LF : TRAILER_LINE;
          i++;
          break;
        }
        case TRAILER_LINE: {
          const c = buf[i]!;
          if (c === 0x0d) this.#state = TRAILER_LF;
          else if (c === 0x0a) return CHUNKED_ERROR;
          i++;
          break;
        }
        case TRAILER_LF:
          if (buf[i] !== 0x0a) return CHUNKED_ERROR;
          this.#state = TRAILER_START;
          i++;
          break;
        case END_LF:
          if (buf[i] !== 0x0a) return CHUNKED_ERROR;
          this.#state = DONE;
          return i + 1;
        default:
          return i;
      }
    }
    return this.#state === DONE ? i : CHUNKED_MORE;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
