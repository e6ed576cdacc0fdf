import type { Digest } from './digest.ts';

/** A manifest or index as a source serves it. */
export interface FetchedManifest {
  /** The digest the source claims; checked against the bytes before use. */
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

/** A blob's bytes: a stream, or a file on this host that may be linked instead of copied. */
export type BlobBody = { stream: AsyncIterable<Uint8Array> } | { file: string };

/** One repository of a registry, from which an image is pulled. */
export interface ImageSource {
  /** `host/repository`, for messages. */
  readonly name: string;
  /** The manifest a tag or digest names, undefined when the repository has none of that name. */
  manifest(reference: string, options?: { signal?: AbortSignal }): Promise<FetchedManifest | undefined>;
  blob(descriptor: { digest: Digest; size: number }, options?: { signal?: AbortSignal }): Promise<BlobBody>;
}

/** The manifest types a pull accepts, most wanted first. */
export const ACCEPTED_MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;
