import { randomFillSync } from 'node:crypto';

/**
 * X-Amzn-Trace-Id values as ALB makes them: `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24
 * hex>`; a request that has a Root keeps it and gets (or has its) `Self` field set. Random bytes
 * come from a pool refilled 4 KiB at a time, not one call per request.
 */
export class TraceIds {
  readonly #pool = Buffer.allocUnsafe(4096);
  #offset = 4096;

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh id: `1-<time>-<random>`. */
  id(): string {
    if (this.#offset + 12 > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const random = this.#pool.toString('hex', this.#offset, this.#offset + 12);
    this.#offset += 12;
    return `1-${Math.floor(this.now() / 1000)
      .toString(16)
      .padStart(8, '0')}-${random}`;
  }

  /** The header to send the target, given the one the client sent (if any). */
  header(received: string | undefined): string {
    if (received === undefined || received === '') return `Root=${this.id()}`;
    const fields = received.split(';').map((f) => f.trim());
    if (!fields.some((f) => f.startsWith('Root='))) return `Root=${this.id()};${received}`;
    const self = `Self=${this.id()}`;
    const at = fields.findIndex((f) => f.startsWith('Self='));
    if (at >= 0) fields[at] = self;
    else fields.unshift(self);
    return fields.join(';');
  }
}
