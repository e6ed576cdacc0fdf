import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestNeargate } from './neargate.ts';

/** SHA-256 and HMAC-SHA-256 in the shape the reference signer (@smithy/signature-v4) takes. */
export class Sha256 {
  readonly #secret: string | Uint8Array | undefined;
  #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined || typeof secret === 'string' ? secret : toBytes(secret);
    this.#h = this.#fresh();
  }
  #fresh() {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.#h.update(typeof data === 'string' ? data : toBytes(data));
  }
  async digest() {
    return new Uint8Array(this.#h.digest());
  }
  reset() {
    this.#h = this.#fresh();
  }
}

function toBytes(d: ArrayBuffer | ArrayBufferView): Uint8Array {
  return d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** The reference signer with a test server's key, for `service` in `region`. */
export function testSigner(
  ng: TestNeargate,
  opts: { secret?: string; region?: string; service: string; accessKeyId?: string },
) {
  return new SignatureV4({
    credentials: {
      accessKeyId: opts.accessKeyId ?? ng.accessKeyId,
      secretAccessKey: opts.secret ?? ng.secretAccessKey,
    },
    region: opts.region ?? 'us-east-1',
    service: opts.service,
    sha256: Sha256,
  });
}
