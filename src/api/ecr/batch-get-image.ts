import type { BatchGetImageRequest, BatchGetImageResponse, ImageFailure } from '@aws-sdk/client-ecr';
import { isDigest } from '../../agent/images/digest.ts';
import type { Wire } from '../../core/wire.ts';
import { RegistryError } from '../../registry/registry-error.ts';
import type { OperationContext } from '../operation.ts';
import { type EcrDeps, requireRepository } from './ecr-deps.ts';

export function batchGetImage(deps: EcrDeps) {
  return async (
    ctx: OperationContext,
    input: Wire<BatchGetImageRequest>,
  ): Promise<Wire<BatchGetImageResponse>> => {
    const name = input.repositoryName!;
    await requireRepository(ctx.deps.store.db, ctx.scope, name, input.registryId);
    const k = { scope: ctx.scope, repository: name };
    const accepted = input.acceptedMediaTypes ?? [];
    const images = [];
    const failures: Wire<ImageFailure>[] = [];
    for (const id of input.imageIds ?? []) {
      const ref = id.imageDigest ?? id.imageTag;
      if (ref === undefined) {
        failures.push({
          imageId: id,
          failureCode: 'MissingDigestAndTag',
          failureReason: 'Missing image digest and tag',
        });
        continue;
      }
      if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) {
        failures.push({
          imageId: id,
          failureCode: 'InvalidImageDigest',
          failureReason: 'Invalid image digest',
        });
        continue;
      }
      try {
        const m = await deps.registry.getManifest(k, ref, accepted);
        if (id.imageTag !== undefined && id.imageDigest !== undefined) {
          const byTag = await deps.registry.getManifest(k, id.imageTag, accepted);
          if (byTag.digest !== m.digest) {
            failures.push({
              imageId: id,
              failureCode: 'ImageTagDoesNotMatchDigest',
              failureReason: 'Image tag does not match digest',
            });
            continue;
          }
        }
        images.push({
          registryId: ctx.scope.account,
          repositoryName: name,
          imageId: { imageDigest: m.digest, ...(id.imageTag !== undefined && { imageTag: id.imageTag }) },
          imageManifest: m.bytes.toString('utf8'),
          imageManifestMediaType: m.mediaType,
        });
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        failures.push({
          imageId: id,
          failureCode: 'ImageNotFound',
          failureReason: 'Requested image not found',
        });
      }
    }
    return { images, failures };
  };
}
