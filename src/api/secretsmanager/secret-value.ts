import { SecretsMessages, secretsError } from '../../core/secrets/secrets-errors.ts';
import type { SecretValue } from '../../store/secret-values.ts';

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

export const sameValue = (a: SecretValue, b: SecretValue) => a.kind === b.kind && a.bytes.equals(b.bytes);

/** The value as GetSecretValue answers it. */
export function valueOutput(v: SecretValue): { SecretString: string } | { SecretBinary: string } {
  return v.kind === 'string'
    ? { SecretString: v.bytes.toString('utf8') }
    : { SecretBinary: v.bytes.toString('base64') };
}
