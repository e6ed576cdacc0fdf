import { parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';
import { SecretsMessages, secretsError } from './secrets-errors.ts';

/** The characters of the suffix AWS appends to a secret's name in its ARN (`db-AbCdEf`). */
export const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const ARN_SUFFIX_LENGTH = 6;

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>`. */
export function secretArn(scope: Scope, name: string, suffix: string): string {
  return `arn:aws:secretsmanager:${scope.region}:${scope.account}:secret:${name}-${suffix}`;
}

/**
 * What a `SecretId` names: a full ARN (suffix included), a partial ARN (name only), or a name.
 * An ARN may point at another account or region than the caller's.
 */
export type SecretRef =
  | { kind: 'name'; scope: Scope; name: string }
  | { kind: 'arn'; scope: Scope; arn: string; name: string };

/** Reads a SecretId; an ARN that is not a Secrets Manager secret's cannot name any secret. */
export function parseSecretId(id: string, caller: Scope): SecretRef | undefined {
  if (!id.startsWith('arn:')) return { kind: 'name', scope: caller, name: id };
  const arn = parseArn(id);
  if (arn?.service !== 'secretsmanager' || !arn.resource.startsWith('secret:')) return undefined;
  const name = arn.resource.slice('secret:'.length);
  if (!name) return undefined;
  return { kind: 'arn', scope: { account: arn.account, region: arn.region }, arn: id, name };
}

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;

/** CreateSecret's rule for names. */
export function checkSecretName(name: string): void {
  if (!NAME.test(name)) throw secretsError('ValidationException', SecretsMessages.invalidName);
}
