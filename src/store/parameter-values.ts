import type { Scope } from '../core/scope.ts';
import type { ParameterVersion } from './ssm-parameters.ts';
import type { ValueCipher } from './value-cipher.ts';

/** What a version's ciphertext is bound to: it decrypts as this parameter's version and nothing else. */
const context = (scope: Scope, name: string, version: number) =>
  `ssm:${scope.account}:${scope.region}:${name}:${version}`;

/** Every parameter value is kept encrypted, whatever its type; SecureString only changes who may read it. */
export function encryptParameterValue(
  cipher: ValueCipher,
  scope: Scope,
  name: string,
  version: number,
  value: string,
): string {
  return cipher.encrypt(value, context(scope, name, version));
}

export function decryptParameterValue(cipher: ValueCipher, scope: Scope, v: ParameterVersion): string {
  return cipher.decrypt(v.ciphertext, context(scope, v.name, v.version)).toString('utf8');
}
