import type { Scope } from '../../core/scope.ts';
import { decryptParameterValue } from '../../store/parameter-values.ts';
import type { ParameterVersion } from '../../store/ssm-parameters.ts';
import type { ValueCipher } from '../../store/value-cipher.ts';

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
  return decryptParameterValue(cipher, scope, v);
}
