import { z } from 'zod';
import type { ArchiveLayer } from './archive.ts';
import { type Digest, isDigest } from './digest.ts';
import type { ImageConfig } from './image-config.ts';

/** An image as the store keeps it on disk, one JSON file per manifest digest. */
export interface ImageRecord {
  /** Digest of the image manifest: what ECS reports as `imageDigest`. */
  manifestDigest: Digest;
  manifestMediaType: string;
  /** The multi-platform index the image was picked from, if any. */
  indexDigest?: Digest;
  /** Digest of the config blob: the image id, as `docker images --no-trunc` shows it. */
  configDigest: Digest;
  /** sha256 of each uncompressed layer, bottom first: the keys of the layer store. */
  diffIds: Digest[];
  /** The layer blobs as the manifest lists them, bottom first. */
  layers: ArchiveLayer[];
  config: ImageConfig;
  os: string;
  architecture: string;
  variant?: string;
  created?: string;
  loadedAtMs: number;
}

/** An image with the references that point to it now. */
export interface Image extends ImageRecord {
  references: string[];
}

const digest = z.string().refine(isDigest) as unknown as z.ZodType<Digest>;

// A light check of what we wrote ourselves, so a damaged file fails loudly, not later.
// Unknown fields are dropped, so a record written by a newer version still reads.
const schema = z.object({
  manifestDigest: digest,
  manifestMediaType: z.string(),
  indexDigest: digest.optional(),
  configDigest: digest,
  diffIds: z.array(digest),
  layers: z.array(z.object({ digest, mediaType: z.string(), size: z.number(), diffId: digest })),
  config: z.object({
    Entrypoint: z.array(z.string()),
    Cmd: z.array(z.string()),
    Env: z.array(z.string()),
    WorkingDir: z.string(),
    User: z.string(),
    Labels: z.record(z.string(), z.string()),
    ExposedPorts: z.array(z.string()),
    StopSignal: z.string().optional(),
  }),
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  created: z.string().optional(),
  loadedAtMs: z.number(),
});

export function parseImageRecord(json: unknown): ImageRecord {
  return schema.parse(json) as ImageRecord;
}
