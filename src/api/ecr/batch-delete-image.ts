import type {
  BatchDeleteImageRequest,
  BatchDeleteImageResponse,
  ImageFailure,
  ImageIdentifier,
} from '@aws-sdk/client-ecr';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { type EcrDeps, requireRepository } from './ecr-deps.ts';

const REASONS = {
  ImageNotFound: 'Requested image not found',
  ImageReferencedByManifestList: 'Requested image is referenced by a manifest list',
} as const;

export function batchDeleteImage(deps: EcrDeps) {
  return async (
    ctx: OperationContext,
    input: Wire<BatchDeleteImageRequest>,
  ): Promise<Wire<BatchDeleteImageResponse>> => {
    const name = input.repositoryName!;
    const k = { scope: ctx.scope, repository: name };
    const result = await ctx.deps.store.write(async (tx) => {
      await requireRepository(tx, ctx.scope, name, input.registryId);
      const imageIds: Wire<ImageIdentifier>[] = [];
      const failures: Wire<ImageFailure>[] = [];
      for (const id of input.imageIds ?? []) {
        if (id.imageDigest === undefined && id.imageTag === undefined) {
          failures.push({
            imageId: id,
            failureCode: 'MissingDigestAndTag',
            failureReason: 'Missing image digest and tag',
          });
          continue;
        }
        const r = await deps.registry.deleteImage(tx, k, {
          ...(id.imageDigest !== undefined && { digest: id.imageDigest }),
          ...(id.imageTag !== undefined && { tag: id.imageTag }),
        });
        if ('failure' in r) {
          failures.push({ imageId: id, failureCode: r.failure, failureReason: REASONS[r.failure] });
        } else if (r.tags.length === 0) imageIds.push({ imageDigest: r.digest });
        else for (const tag of r.tags) imageIds.push({ imageDigest: r.digest, imageTag: tag });
      }
      return { imageIds, failures };
    });
    if (result.imageIds.length > 0) deps.registry.collectSoon();
    return result;
  };
}
