import { createHash, type Hash } from 'node:crypto';
import { ImageError } from './image-error.ts';

/** A content digest as OCI writes it; only sha256 is supported. */
export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST.test(value);
}

/** Checks `value` is a sha256 digest and returns it typed; throws `InvalidDigest` otherwise. */
export function parseDigest(value: string): Digest {
  if (!isDigest(value)) {
    throw new ImageError('InvalidDigest', `Digest "${value}" is not a sha256 digest`, { digest: value });
  }
  return value;
}

/** The 64 hex characters of a digest, used as a file name. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** A running sha256 that yields a `Digest` at the end. */
export class Digester {
  readonly #hash: Hash = createHash('sha256');
  #bytes = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  digest(): Digest {
    return `sha256:${this.#hash.digest('hex')}`;
  }
}

export function sha256Of(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
