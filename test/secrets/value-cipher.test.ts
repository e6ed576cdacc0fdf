import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openValueCipher, VALUE_KEY_FILE, valueCipher } from '../../src/store/value-cipher.ts';

describe('value cipher', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'neargate-cipher-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('the key is made once, 32 bytes readable by its owner only, and reused', async () => {
    const [a, b] = await Promise.all([openValueCipher(dir), openValueCipher(dir)]);
    const key = await readFile(join(dir, VALUE_KEY_FILE));
    assert.equal(key.length, 32);
    assert.equal((await stat(join(dir, VALUE_KEY_FILE))).mode & 0o777, 0o600);
    const c = a.encrypt('hello', 'ctx');
    assert.equal(b.decrypt(c, 'ctx').toString(), 'hello', 'both opens share the one key');
    const again = await openValueCipher(dir);
    assert.equal(again.decrypt(c, 'ctx').toString(), 'hello');
    assert.deepEqual(await readFile(join(dir, VALUE_KEY_FILE)), key);
  });

  test('each encryption has its own nonce; the text holds no trace of the value', () => {
    const c = valueCipher(Buffer.alloc(32, 7));
    const x = c.encrypt('the same value', 'ctx');
    const y = c.encrypt('the same value', 'ctx');
    assert.notEqual(x, y);
    assert.ok(!Buffer.from(x, 'base64').includes('the same value'));
    assert.equal(c.decrypt(x, 'ctx').toString(), 'the same value');
  });

  test('a value decrypts only under its own context and key, and not once tampered with', () => {
    const c = valueCipher(Buffer.alloc(32, 1));
    const x = c.encrypt('v', 'secret-a');
    assert.throws(() => c.decrypt(x, 'secret-b'), /does not decrypt/);
    assert.throws(() => valueCipher(Buffer.alloc(32, 2)).decrypt(x, 'secret-a'), /does not decrypt/);
    const raw = Buffer.from(x, 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => c.decrypt(raw.toString('base64'), 'secret-a'), /does not decrypt/);
    assert.throws(() => c.decrypt('AAAA', 'secret-a'), /not in a format/);
  });

  test('a key file others can read, or of the wrong size, is refused', async () => {
    const other = await mkdtemp(join(tmpdir(), 'neargate-cipher-'));
    try {
      await writeFile(join(other, VALUE_KEY_FILE), Buffer.alloc(32), { mode: 0o644 });
      await chmod(join(other, VALUE_KEY_FILE), 0o644);
      await assert.rejects(openValueCipher(other), /can be read by others/);
      await writeFile(join(other, VALUE_KEY_FILE), Buffer.alloc(16));
      await chmod(join(other, VALUE_KEY_FILE), 0o600);
      await assert.rejects(openValueCipher(other), /holds 16 bytes/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
