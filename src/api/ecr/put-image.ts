import type { PutImageRequest, PutImageResponse } from '@aws-sdk/client-ecr';
import { sha256Of } from '../../agent/images/digest.ts';
import { ecrError } from '../../core/ecr/ecr-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { RegistryError } from '../../registry/registry-error.ts';
import type { OperationContext } from '../operation.ts';
import { type EcrDeps, requireRepository } from './ecr-deps.ts';

/** Pushes a manifest whose blobs are in the repository; the same rules as a push to the registry. */
export function putImage(deps: EcrDeps) {
  return async (ctx: OperationContext, input: Wire<PutImageRequest>): Promise<Wire<PutImageResponse>> => {
    const name = input.repositoryName!;
    const account = ctx.scope.account;
    await requireRepository(ctx.deps.store.db, ctx.scope, name, input.registryId);
    const k = { scope: ctx.scope, repository: name };
    const bytes = Buffer.from(input.imageManifest!, 'utf8');
    const tag = input.imageTag;
    let result: Awaited<ReturnType<typeof deps.registry.putManifest>>;
    try {
      if (input.imageDigest !== undefined && sha256Of(bytes) !== input.imageDigest) {
        throw new RegistryError(
          'DIGEST_INVALID',
          `Manifest digest does not match the digest '${input.imageDigest}' given`,
        );
      }
      result = await deps.registry.putManifest(
        k,
        tag ?? input.imageDigest ?? '',
        bytes,
        input.imageManifestMediaType,
      );
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      throw asEcrError(error, name, account, tag);
    }
    if (result.existed && (tag === undefined || result.previousTagDigest === result.digest)) {
      throw ecrError(
        'ImageAlreadyExistsException',
        `Image with digest '${result.digest}' ${tag !== undefined ? `and tag '${tag}' ` : ''}already exists in the repository with name '${name}' in registry with id '${account}'`,
      );
    }
    return {
      image: {
        registryId: account,
        repositoryName: name,
        imageId: { imageDigest: result.digest, ...(tag !== undefined && { imageTag: tag }) },
        imageManifest: input.imageManifest!,
        ...(input.imageManifestMediaType !== undefined && {
          imageManifestMediaType: input.imageManifestMediaType,
        }),
      },
    };
  };
}

function asEcrError(error: RegistryError, name: string, account: string, tag: string | undefined) {
  switch (error.code) {
    case 'MANIFEST_BLOB_UNKNOWN': {
      const digest = (error.detail as { digest?: string } | undefined)?.digest ?? '';
      if (error.message.startsWith('Manifest')) {
        return ecrError(
          'ReferencedImagesNotFoundException',
          `Referenced images [${digest}] do not exist in the repository`,
        );
      }
      return ecrError(
        'LayersNotFoundException',
        `Layers with digests '[${digest}]' required for pushing image into repository with name '${name}' in the registry with id '${account}' do not exist`,
      );
    }
    case 'DIGEST_INVALID':
      return ecrError('ImageDigestDoesNotMatchException', error.message);
    case 'TAG_INVALID':
      return tag !== undefined && error.message.includes('immutable')
        ? ecrError('ImageTagAlreadyExistsException', error.message)
        : ecrError(
            'InvalidParameterException',
            `Invalid parameter at 'imageTag' failed to satisfy constraint: '${error.message}'`,
          );
    case 'MANIFEST_INVALID':
      return ecrError(
        'InvalidParameterException',
        `Invalid parameter at 'ImageManifest' failed to satisfy constraint: '${error.message}'`,
      );
    default:
      return ecrError('InvalidParameterException', error.message);
  }
}
