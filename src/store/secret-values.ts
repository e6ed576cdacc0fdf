import type { SecretVersionRecord } from './secrets.ts';
import type { ValueCipher } from './value-cipher.ts';

/** A secret's value: SecretString (UTF-8 text) or SecretBinary (bytes). */
export interface SecretValue {
  kind: 'string' | 'binary';
  bytes: Buffer;
}

/** What a version's ciphertext is bound to: it decrypts as this secret's version and nothing else. */
const context = (arn: string, versionId: string) => `secretsmanager:${arn}:${versionId}`;

export function encryptSecretValue(
  cipher: ValueCipher,
  arn: string,
  versionId: string,
  v: SecretValue,
): string {
  return cipher.encrypt(v.bytes, context(arn, versionId));
}

export function decryptSecretValue(cipher: ValueCipher, v: SecretVersionRecord): SecretValue {
  return { kind: v.kind, bytes: cipher.decrypt(v.ciphertext, context(v.secretArn, v.versionId)) };
}
