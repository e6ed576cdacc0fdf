import { z } from 'zod';
import { type Digest, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';

/** What a container inherits from its image, with Docker's field names, absent fields made empty. */
export interface ImageConfig {
  Entrypoint: string[];
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Labels: Record<string, string>;
  /** `80/tcp`, `53/udp`: the keys of the image's ExposedPorts. */
  ExposedPorts: string[];
  StopSignal?: string;
}

export interface ParsedImageConfig {
  config: ImageConfig;
  /** sha256 of each uncompressed layer, bottom layer first. */
  diffIds: Digest[];
  os: string;
  architecture: string;
  variant?: string;
  /** When the image was built, as the config says (RFC 3339). */
  created?: string;
}

const strings = z.array(z.string()).nullish();

const schema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  created: z.string().optional(),
  config: z
    .object({
      Entrypoint: strings,
      Cmd: strings,
      Env: strings,
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
      StopSignal: z.string().nullish(),
    })
    .nullish(),
  rootfs: z.object({
    type: z.literal('layers'),
    diff_ids: z.array(z.string().refine(isDigest, 'not a sha256 digest')),
  }),
});

/** Reads an OCI / Docker image config; throws `InvalidArchive` naming the bad field. */
export function parseImageConfig(json: unknown, what: string): ParsedImageConfig {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
    throw new ImageError('InvalidArchive', `${what} is not a valid image config${where}: ${issue?.message}`);
  }
  const c = result.data.config ?? {};
  const config: ImageConfig = {
    Entrypoint: c.Entrypoint ?? [],
    Cmd: c.Cmd ?? [],
    Env: c.Env ?? [],
    WorkingDir: c.WorkingDir ?? '',
    User: c.User ?? '',
    Labels: c.Labels ?? {},
    ExposedPorts: Object.keys(c.ExposedPorts ?? {}),
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
  };
  const { os, architecture, variant, created } = result.data;
  return {
    config,
    diffIds: result.data.rootfs.diff_ids as Digest[],
    os,
    architecture,
    ...(variant !== undefined && { variant }),
    ...(created !== undefined && { created }),
  };
}
