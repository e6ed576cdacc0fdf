/** Sources of randomness for ids and secrets; injected so tests can make them predictable. */
export interface Ids {
  uuid(): string;
  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string;
  /** `length` random characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string;
}

export const randomIds: Ids = {
  uuid: () => crypto.randomUUID(),
  hex(bytes) {
    const buf = crypto.getRandomValues(new Uint8Array(bytes));
    let out = '';
    for (const b of buf) out += b.toString(16).padStart(2, '0');
    return out;
  },
  chars(length, alphabet) {
    // Rejection sampling keeps every character equally likely.
    const limit = 256 - (256 % alphabet.length);
    let out = '';
    while (out.length < length) {
      for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
        if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
      }
    }
    return out;
  },
};
