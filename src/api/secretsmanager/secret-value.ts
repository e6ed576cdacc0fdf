import { SecretsMessages, secretsError } from '../../core/secrets/secrets-errors.ts';
import type { SecretVersionRecord } from '../../store/secrets.ts';
import type { ValueCipher } from '../../store/value-cipher.ts';

/** A secret's value: SecretString (UTF-8 text) or SecretBinary (bytes; base64 on the wire). */
export interface SecretValue {
  kind: 'string' | 'binary';
  bytes: Buffer;
}

/** The value an input carries, if any; both at once is refused as AWS refuses it. */
export function valueOfInput(input: {
  SecretString?: string | undefined;
  SecretBinary?: string | undefined;
}): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw secretsError('InvalidParameterException', SecretsMessages.bothValues);
  }
  if (input.SecretString !== undefined)
    return { kind: 'string', bytes: Buffer.from(input.SecretString, 'utf8') };
  if (input.SecretBinary !== undefined) {
    return { kind: 'binary', bytes: Buffer.from(input.SecretBinary, 'base64') };
  }
  return undefined;
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

export const sameValue = (a: SecretValue, b: SecretValue) => a.kind === b.kind && a.bytes.equals(b.bytes);

/** The value as GetSecretValue answers it. */
export function valueOutput(v: SecretValue): { SecretString: string } | { SecretBinary: string } {
  return v.kind === 'string'
    ? { SecretString: v.bytes.toString('utf8') }
    : { SecretBinary: v.bytes.toString('base64') };
}
