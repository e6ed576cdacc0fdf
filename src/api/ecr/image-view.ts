import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { Scope } from '../../core/scope.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { ImageRecord } from '../../store/ecr-images.ts';

/** An image as DescribeImages shows it. */
export function imageDetail(
  scope: Scope,
  repository: string,
  image: ImageRecord,
  tags: string[],
): Wire<ImageDetail> {
  return {
    registryId: scope.account,
    repositoryName: repository,
    imageDigest: image.digest,
    ...(tags.length > 0 && { imageTags: tags }),
    imageSizeInBytes: image.sizeBytes,
    imagePushedAt: epochSeconds(image.pushedAt),
    imageManifestMediaType: image.mediaType,
    ...(image.artifactMediaType !== undefined && { artifactMediaType: image.artifactMediaType }),
    ...(image.lastPulledAt !== undefined && { lastRecordedPullTime: epochSeconds(image.lastPulledAt) }),
  };
}
