import { z } from 'zod';
import { type Digest, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';

const digest = z.string().refine(isDigest, 'not a sha256 digest') as unknown as z.ZodType<Digest>;

const platform = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

const descriptor = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platform.optional(),
});

const manifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
  annotations: z.record(z.string(), z.string()).optional(),
});

const index = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptor),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A content descriptor: what a manifest or index says about a blob it points to. */
export type Descriptor = z.infer<typeof descriptor>;
/** An OCI image manifest or a Docker v2 schema 2 manifest; the two have the same shape. */
export type ImageManifest = z.infer<typeof manifest>;
/** An OCI image index or a Docker manifest list. */
export type ImageIndex = z.infer<typeof index>;

export function parseManifest(json: unknown, what: string): ImageManifest {
  return parse(manifest, json, what);
}

export function parseIndex(json: unknown, what: string): ImageIndex {
  return parse(index, json, what);
}

function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
    throw new ImageError('InvalidArchive', `${what} is not valid${where}: ${issue?.message ?? 'unknown'}`);
  }
  return result.data;
}
