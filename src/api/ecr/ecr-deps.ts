import type { EncryptionType, Repository } from '@aws-sdk/client-ecr';
import type { Kysely } from 'kysely';
import { ecrError, repositoryNotFound } from '../../core/ecr/ecr-errors.ts';
import { repositoryArn, repositoryUri } from '../../core/ecr/ecr-names.ts';
import type { Scope } from '../../core/scope.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { Registry } from '../../registry/registry.ts';
import type { RegistryTokens } from '../../registry/registry-tokens.ts';
import { getRepository, type RepositoryRecord } from '../../store/ecr-repositories.ts';
import type { Database } from '../../store/schema.ts';
import { decodeToken, pageSize } from '../protocol/pagination.ts';

/** What ECR operations use beside the shared ApiDeps. */
export interface EcrDeps {
  registry: Registry;
  tokens: RegistryTokens;
  /** Where the registry is reached from this host, e.g. `http://127.0.0.1:4566`. */
  proxyEndpoint(): string;
}

/** The repository, or ECR's RepositoryNotFoundException. A registryId other than the caller's names no repository here. */
export async function requireRepository(
  db: Kysely<Database>,
  scope: Scope,
  name: string,
  registryId?: string,
): Promise<RepositoryRecord> {
  const repo = registryId && registryId !== scope.account ? undefined : await getRepository(db, scope, name);
  if (!repo) throw repositoryNotFound(name, registryId ?? scope.account);
  return repo;
}

export function repositoryView(scope: Scope, r: RepositoryRecord): Wire<Repository> {
  return {
    repositoryArn: repositoryArn(scope, r.name),
    registryId: scope.account,
    repositoryName: r.name,
    repositoryUri: repositoryUri(scope, r.name),
    createdAt: epochSeconds(r.createdAt),
    imageTagMutability: r.settings.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: r.settings.scanOnPush },
    encryptionConfiguration: {
      encryptionType: r.settings.encryptionType as EncryptionType,
      ...(r.settings.kmsKey !== undefined && { kmsKey: r.settings.kmsKey }),
    },
  };
}

/** ECR's list paging: `maxResults` from 1 to 1000, opaque tokens. */
export function ecrPage<T>(
  input: { maxResults?: number | undefined; nextToken?: string | undefined },
  valid: (v: unknown) => v is T,
  max = 1000,
): { limit: number; after: T | undefined } {
  const limit = pageSize(input.maxResults, { max, default: max === 1000 ? 100 : max }, () =>
    ecrError(
      'InvalidParameterException',
      `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to ${max}'`,
    ),
  );
  const after = decodeToken(input.nextToken, valid, () =>
    ecrError(
      'InvalidParameterException',
      "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'",
    ),
  );
  return { limit, after };
}

/** How ECR words an image id in messages: `{imageDigest:'...', imageTag:'...'}`. */
export function imageIdText(id: { imageDigest?: string | undefined; imageTag?: string | undefined }): string {
  const parts = [];
  if (id.imageDigest !== undefined) parts.push(`imageDigest:'${id.imageDigest}'`);
  if (id.imageTag !== undefined) parts.push(`imageTag:'${id.imageTag}'`);
  return `{${parts.join(', ')}}`;
}
