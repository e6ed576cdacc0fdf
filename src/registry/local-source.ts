import type { Digest } from '../agent/images/digest.ts';
import { ImageError } from '../agent/images/image-error.ts';
import type { LocalRegistry } from '../agent/images/image-puller.ts';
import {
  ACCEPTED_MANIFEST_TYPES,
  type BlobBody,
  type FetchedManifest,
  type ImageSource,
} from '../agent/images/image-source.ts';
import { registryHost } from '../core/ecr/ecr-names.ts';
import type { Scope } from '../core/scope.ts';
import { markPulled } from '../store/ecr-images.ts';
import type { Registry } from './registry.ts';
import { RegistryError } from './registry-error.ts';

/**
 * neargate's registry as a source of pulls on this host: manifests from the store, blobs as
 * the files they are, which the image store links instead of copying.
 */
export function localRegistry(
  registry: Registry,
  db: Parameters<typeof markPulled>[0],
  now: () => number,
): LocalRegistry {
  return {
    source(scope: Scope, repository: string): ImageSource {
      const k = { scope, repository };
      return {
        name: `${registryHost(scope)}/${repository}`,
        async manifest(reference: string): Promise<FetchedManifest | undefined> {
          try {
            const m = await registry.getManifest(k, reference, ACCEPTED_MANIFEST_TYPES);
            await markPulled(db, k, m.digest, now());
            return m;
          } catch (error) {
            if (
              error instanceof RegistryError &&
              (error.code === 'MANIFEST_UNKNOWN' || error.code === 'NAME_UNKNOWN')
            ) {
              return undefined;
            }
            throw error;
          }
        },
        async blob(d: { digest: Digest }): Promise<BlobBody> {
          const size = await registry.blobSize(k, d.digest);
          if (size === undefined) {
            throw new ImageError(
              'RegistryError',
              `${registryHost(scope)}/${repository}: blob "${d.digest}" is missing`,
              {
                digest: d.digest,
              },
            );
          }
          return { file: registry.blobs.path(d.digest) };
        },
      };
    },
  };
}
