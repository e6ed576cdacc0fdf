import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Encrypts the values neargate keeps at rest (Secrets Manager secret values, Parameter Store
 * values) with one AES-256-GCM key from the data dir, a random nonce per value.
 */
export interface ValueCipher {
  /**
   * Base64 of a format byte, the 12-byte nonce, the ciphertext and the 16-byte tag. `context`
   * is bound in as additional data, so a value only decrypts as the record it was written for.
   */
  encrypt(plaintext: Buffer | string, context: string): string;
  /** Throws when the text was not made by this key for this context; the error never holds the value. */
  decrypt(ciphertext: string, context: string): Buffer;
}

/** The key's file in the data dir: 32 random bytes, readable by its owner only. */
export const VALUE_KEY_FILE = 'secrets.key';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_V1 = 1;

/** The data dir's key, made on first use (mode 0600); refuses a key file others can read. */
export async function openValueCipher(dataDir: string): Promise<ValueCipher> {
  const file = join(dataDir, VALUE_KEY_FILE);
  let key = await readKey(file);
  if (!key) {
    await createKey(file);
    key = await readKey(file);
    if (!key) throw new Error(`${file} vanished while it was being made`);
  }
  return valueCipher(key);
}

/** A cipher over a key already in hand (tests, and tools that carry the key). */
export function valueCipher(key: Buffer): ValueCipher {
  if (key.length !== KEY_BYTES) throw new RangeError(`a value key has ${KEY_BYTES} bytes, not ${key.length}`);
  return {
    encrypt(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      return Buffer.concat([Buffer.of(FORMAT_V1), nonce, body, c.getAuthTag()]).toString('base64');
    },
    decrypt(ciphertext, context) {
      const raw = Buffer.from(ciphertext, 'base64');
      if (raw.length < 1 + NONCE_BYTES + TAG_BYTES || raw[0] !== FORMAT_V1) {
        throw new Error('stored value is not in a format neargate wrote');
      }
      const nonce = raw.subarray(1, 1 + NONCE_BYTES);
      const tag = raw.subarray(raw.length - TAG_BYTES);
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(tag);
      try {
        return Buffer.concat([d.update(raw.subarray(1 + NONCE_BYTES, raw.length - TAG_BYTES)), d.final()]);
      } catch {
        throw new Error(`stored value does not decrypt with the key in ${VALUE_KEY_FILE}`);
      }
    },
  };
}

async function readKey(file: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file} can be read by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const key = await readFile(file);
  if (key.length !== KEY_BYTES) throw new Error(`${file} holds ${key.length} bytes, not ${KEY_BYTES}`);
  return key;
}

/** Writes the key beside its place, then links it in: a crash or a second server never sees half a key. */
async function createKey(file: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(randomBytes(KEY_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (err) {
    // Another server made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  // Losing the key loses every secret: make its name durable too.
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
