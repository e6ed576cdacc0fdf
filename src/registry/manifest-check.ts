import { type Digest, isDigest, sha256Of } from '../agent/images/digest.ts';
import { type Descriptor, parseIndex, parseManifest } from '../agent/images/manifest.ts';
import { isIndexMediaType, isManifestMediaType, MediaType } from '../agent/images/media-types.ts';
import { RegistryError } from './registry-error.ts';

/** A pushed manifest, read: what it is, and what it points to. */
export interface CheckedManifest {
  digest: Digest;
  mediaType: string;
  /** The config's media type (ECR's `artifactMediaType`); none for an index. */
  artifactMediaType: string | undefined;
  /** Blobs that must be in the repository: the config and the layers (foreign layers aside). */
  blobs: Descriptor[];
  /** Manifests an index lists, which must be in the repository. */
  manifests: Descriptor[];
  /** The compressed layers' bytes (a manifest), or the largest of its manifests' (an index: filled in later). */
  layerBytes: number;
}

/** The manifest types neargate stores: Docker v2 schema 2 and OCI, images and indexes. */
export const SUPPORTED_MANIFEST_TYPES: readonly string[] = [
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.OciIndex,
];

/**
 * Reads a manifest as pushed. Its type is the Content-Type when that is one we know, else its
 * `mediaType` field; the two must agree when both are given. Throws MANIFEST_INVALID.
 */
export function checkManifest(bytes: Buffer, contentType: string | undefined): CheckedManifest {
  let json: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown };
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'Manifest is not JSON');
  }
  if (typeof json !== 'object' || json === null)
    throw new RegistryError('MANIFEST_INVALID', 'Manifest is not a JSON object');
  if (json.schemaVersion === 1) {
    throw new RegistryError('MANIFEST_INVALID', 'Docker image manifests of schema 1 are not supported');
  }
  const header = contentType?.split(';')[0]?.trim();
  const field = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const fromHeader = header && SUPPORTED_MANIFEST_TYPES.includes(header) ? header : undefined;
  if (fromHeader && field && fromHeader !== field) {
    throw new RegistryError(
      'MANIFEST_INVALID',
      `Manifest has media type "${field}" but was sent as "${fromHeader}"`,
    );
  }
  const mediaType =
    fromHeader ?? field ?? (Array.isArray(json.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  if (!SUPPORTED_MANIFEST_TYPES.includes(mediaType)) {
    throw new RegistryError('MANIFEST_INVALID', `Manifest media type "${mediaType}" is not supported`);
  }
  const digest = sha256Of(bytes);
  try {
    if (isIndexMediaType(mediaType)) {
      const index = parseIndex(json, 'Index');
      return {
        digest,
        mediaType,
        artifactMediaType: undefined,
        blobs: [],
        manifests: index.manifests,
        layerBytes: 0,
      };
    }
    if (!isManifestMediaType(mediaType)) throw new TypeError(mediaType);
    const manifest = parseManifest(json, 'Manifest');
    // Foreign layers live elsewhere (their URLs); a registry never holds them.
    const layers = manifest.layers.filter(
      (l) => l.mediaType !== MediaType.DockerForeignLayer && !l.mediaType.includes('nondistributable'),
    );
    return {
      digest,
      mediaType,
      artifactMediaType: manifest.config.mediaType,
      blobs: [manifest.config, ...layers],
      manifests: [],
      layerBytes: manifest.layers.reduce((n, l) => n + l.size, 0),
    };
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError('MANIFEST_INVALID', (error as Error).message);
  }
}

/** A reference in a manifest URL: a digest or a tag. */
export function isDigestReference(reference: string): reference is Digest {
  return isDigest(reference);
}
