import type { Clock } from '../core/clock.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import { parseValueFrom, type ValueFrom } from '../core/secrets/ecs-value-from.ts';
import { goValue } from '../core/secrets/go-value.ts';
import { pickVersion } from '../core/secrets/pick-version.ts';
import { parseSecretId } from '../core/secrets/secret-id.ts';
import {
  SecretsManagerErrors,
  SecretsMessages,
  secretNotFound,
  secretsError,
} from '../core/secrets/secrets-errors.ts';
import { ServiceError } from '../core/service-error.ts';
import { parseParameterRef } from '../core/ssm/parameter-name.ts';
import { decryptParameterValue } from '../store/parameter-values.ts';
import { decryptSecretValue } from '../store/secret-values.ts';
import { findSecret, getSecretVersions, markSecretAccessed } from '../store/secrets.ts';
import { getParameter, getParameterVersions } from '../store/ssm-parameters.ts';
import type { Store } from '../store/store.ts';
import type { ValueCipher } from '../store/value-cipher.ts';

/** What resolving a task's secrets reads: the store and the data dir's key; ids make request ids for messages. */
export interface SecretSources {
  store: Store;
  cipher: ValueCipher;
  ids: Ids;
  /** Reads update LastAccessedDate, as the agent's GetSecretValue calls do. */
  clock: Clock;
}

/**
 * Why a task cannot start: `reason` is the task's stoppedReason in ECS's words
 * (`ResourceInitializationError: unable to pull secrets or registry auth: ...`). It names the
 * secret or parameter but never holds a value.
 */
export class SecretResolutionError extends Error {
  override readonly name = 'SecretResolutionError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

const PREFIX =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:';
const RETRIED = 'service call has been retried 1 time(s)';

/**
 * The value of one container secret, as the ECS agent resolves `secrets[].valueFrom` for the task
 * in `scope`: a Secrets Manager ARN, full or partial, with `:json-key:version-stage:version-id`
 * (any may be empty), or a Parameter Store ARN or name (`name:3` for a version). ARNs may point
 * at another region or account. Throws SecretResolutionError with ECS's wording.
 */
export async function resolveContainerSecret(
  src: SecretSources,
  scope: Scope,
  valueFrom: string,
): Promise<string> {
  const ref = parseValueFrom(valueFrom);
  if (ref.service === 'invalid')
    throw new SecretResolutionError(`${PREFIX} unable to retrieve secret from asm: ${ref.reason}`);
  if (ref.service === 'ssm') {
    const value = await parameterValue(src, scope, ref.name);
    if (value === undefined) throw missingParameters([ref.name]);
    return value;
  }
  return secretManagerValue(src, scope, ref);
}

/**
 * Every secret of a container, by environment variable name. Parameters that do not exist are
 * reported together, as the agent's one GetParameters call reports them.
 */
export async function resolveContainerSecrets(
  src: SecretSources,
  scope: Scope,
  secrets: readonly { name?: string | undefined; valueFrom?: string | undefined }[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const s of secrets) {
    if (!s.name || !s.valueFrom) continue;
    const ref = parseValueFrom(s.valueFrom);
    if (ref.service === 'ssm') {
      const value = await parameterValue(src, scope, ref.name);
      if (value === undefined) missing.push(ref.name);
      else out[s.name] = value;
    } else {
      out[s.name] = await resolveContainerSecret(src, scope, s.valueFrom);
    }
  }
  if (missing.length > 0) throw missingParameters([...new Set(missing)]);
  return out;
}

/**
 * The registry credentials of `repositoryCredentials.credentialsParameter`: a secret (name or ARN)
 * whose AWSCURRENT value is `{"username": ..., "password": ...}`.
 */
export async function resolveRepositoryCredentials(
  src: SecretSources,
  scope: Scope,
  credentialsParameter: string,
): Promise<{ username: string; password: string }> {
  const fail = (why: string) =>
    new SecretResolutionError(`${PREFIX} unable to get registry auth from asm: ${RETRIED}: ${why}`);
  let text: string;
  try {
    text = await readSecret(src, scope, { secretId: credentialsParameter });
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    throw fail(`asm fetching secret from the service for ${credentialsParameter}: ${sdkError(src, err)}`);
  }
  if (text === '') throw fail('asm fetching authorization data: empty secrets value');
  let auth: unknown;
  try {
    auth = JSON.parse(text);
  } catch {
    throw fail('asm fetching authorization data: unable to unmarshal secret value, invalid schema');
  }
  const field = (k: string) => {
    const o = auth as Record<string, unknown> | null;
    // Go's JSON decoding matches field names without regard to case.
    const key = o && typeof o === 'object' ? Object.keys(o).find((x) => x.toLowerCase() === k) : undefined;
    const v = key === undefined ? undefined : o![key];
    return typeof v === 'string' ? v : '';
  };
  const username = field('username');
  const password = field('password');
  if (!username) throw fail('asm fetching username: AuthorizationData is malformed, empty field');
  if (!password) throw fail('asm fetching password: AuthorizationData is malformed, empty field');
  return { username, password };
}

async function secretManagerValue(
  src: SecretSources,
  scope: Scope,
  ref: Extract<ValueFrom, { service: 'secretsmanager' }>,
): Promise<string> {
  const fail = (why: string) =>
    new SecretResolutionError(`${PREFIX} unable to retrieve secret from asm: ${RETRIED}: ${why}`);
  let text: string;
  try {
    text = await readSecret(src, scope, ref);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    throw fail(`failed to fetch secret ${ref.secretId} from secrets manager: ${sdkError(src, err)}`);
  }
  if (ref.jsonKey === undefined) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw fail(`the secret value is not JSON, so it has no json key ${ref.jsonKey}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Object.hasOwn(doc, ref.jsonKey)) {
    throw fail(`retrieved secret from Secrets Manager did not contain json key ${ref.jsonKey}`);
  }
  return goValue((doc as Record<string, unknown>)[ref.jsonKey]);
}

/**
 * GetSecretValue as the agent calls it: the SecretString of the version asked for (a binary
 * secret reads as empty, as the agent reads only SecretString). Throws Secrets Manager's errors.
 */
async function readSecret(
  src: SecretSources,
  scope: Scope,
  want: { secretId: string; versionStage?: string | undefined; versionId?: string | undefined },
): Promise<string> {
  const id = parseSecretId(want.secretId, scope);
  const secret = id && (await findSecret(src.store.db, id));
  if (!secret) throw secretNotFound();
  if (secret.deletedAt !== undefined)
    throw secretsError('InvalidRequestException', SecretsMessages.markedForDeletion);
  const version = pickVersion(await getSecretVersions(src.store.db, secret.arn), want);
  const value = decryptSecretValue(src.cipher, version);
  const today = Math.floor(src.clock.now() / 86_400_000) * 86_400_000;
  if (secret.accessedAt !== today || version.accessedAt !== today) {
    await src.store.write((tx) => markSecretAccessed(tx, secret.arn, version.versionId, today));
  }
  return value.kind === 'string' ? value.bytes.toString('utf8') : '';
}

/** A parameter's plain value (SecureString decrypted, as the agent asks WithDecryption), or undefined. */
async function parameterValue(src: SecretSources, scope: Scope, name: string): Promise<string | undefined> {
  const ref = parseParameterRef(name, scope);
  const latest = ref && (await getParameter(src.store.db, ref.scope, ref.names));
  if (!ref || !latest || ref.label !== undefined) return undefined;
  const version =
    ref.version === undefined
      ? latest
      : (await getParameterVersions(src.store.db, ref.scope, latest.name)).find(
          (v) => v.version === ref.version,
        );
  return version && decryptParameterValue(src.cipher, ref.scope, version);
}

function missingParameters(names: readonly string[]): SecretResolutionError {
  return new SecretResolutionError(
    `${PREFIX} unable to retrieve secrets from ssm: ${RETRIED}: invalid ssm parameters: ${names.join(',')}`,
  );
}

/**
 * An AWS error as the agent's Go SDK prints it: `operation error Secrets Manager: GetSecretValue,
 * https response error StatusCode: 400, RequestID: <id>, ResourceNotFoundException: <message>`
 * (`api error <code>` for a code the model does not declare).
 */
function sdkError(src: SecretSources, err: ServiceError): string {
  const modeled = err.code in SecretsManagerErrors && err.code !== 'ValidationException';
  return `operation error Secrets Manager: GetSecretValue, https response error StatusCode: ${err.status}, RequestID: ${src.ids.uuid()}, ${modeled ? '' : 'api error '}${err.code}: ${err.message}`;
}
