import type { Scope } from '../../core/scope.ts';
import type { ParameterVersion } from '../../store/ssm-parameters.ts';
import type { ValueCipher } from '../../store/value-cipher.ts';

/** What a version's ciphertext is bound to: it decrypts as this parameter's version and nothing else. */
const context = (scope: Scope, name: string, version: number) =>
  `ssm:${scope.account}:${scope.region}:${name}:${version}`;

/** Every value is kept encrypted, whatever its type; SecureString only changes who may read it. */
export function encryptParameterValue(
  cipher: ValueCipher,
  scope: Scope,
  name: string,
  version: number,
  value: string,
): string {
  return cipher.encrypt(value, context(scope, name, version));
}

/**
 * The value as an answer shows it: plain text, except a SecureString read without
 * WithDecryption, which shows its ciphertext (as AWS shows the KMS ciphertext).
 */
export function shownValue(
  cipher: ValueCipher,
  scope: Scope,
  v: ParameterVersion,
  withDecryption: boolean | undefined,
): string {
  if (v.type === 'SecureString' && withDecryption !== true) return v.ciphertext;
  return cipher.decrypt(v.ciphertext, context(scope, v.name, v.version)).toString('utf8');
}
