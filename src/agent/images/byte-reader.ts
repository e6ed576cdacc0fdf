import { ImageError } from './image-error.ts';

const EMPTY = Buffer.alloc(0);

/** Reads exact byte counts from a stream of chunks, without copying when a chunk holds them. */
export class ByteReader {
  readonly #chunks: AsyncIterator<Uint8Array>;
  #buffer: Buffer = EMPTY;
  #offset = 0;
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#chunks = source[Symbol.asyncIterator]();
  }

  /** `n` bytes, or undefined if the stream ended before the first one; throws if it ends midway. */
  async readExact(n: number): Promise<Buffer | undefined> {
    if (this.#available() >= n) return this.#take(n);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      if (this.#available() === 0 && !(await this.#fill())) {
        if (got === 0) return undefined;
        throw truncated();
      }
      const part = this.#take(Math.min(n - got, this.#available()));
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, n);
  }

  /** Yields the next `n` bytes in pieces as they arrive; throws if the stream ends first. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#available() === 0 && !(await this.#fill())) throw truncated();
      const part = this.#take(Math.min(left, this.#available()));
      left -= part.length;
      yield part;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n));
  }

  /** Reads to the end of the stream, so a hash over it sees every byte. */
  async drain(): Promise<void> {
    this.#buffer = EMPTY;
    this.#offset = 0;
    while (await this.#fill());
    this.#buffer = EMPTY;
  }

  /** Lets the source release its resources when reading stops early. */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      await this.#chunks.return?.();
    }
  }

  #available(): number {
    return this.#buffer.length - this.#offset;
  }

  #take(n: number): Buffer {
    const part = this.#buffer.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return part;
  }

  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#chunks.next();
    if (next.done) {
      this.#ended = true;
      return false;
    }
    const v = next.value;
    this.#buffer = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    this.#offset = 0;
    return true;
  }
}

function truncated(): ImageError {
  return new ImageError('InvalidArchive', 'Tar stream ends in the middle of an entry');
}
