import { type Digest, isDigest } from './digest.ts';
import { ImageError } from './image-error.ts';

/** An image reference split into parts and normalised as Docker does (`busybox` is `docker.io/library/busybox:latest`). */
export interface ImageReference {
  /** Registry host with optional port, e.g. `docker.io`, `localhost:5000`. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const MAX_NAME_LENGTH = 255;

// The grammar of github.com/distribution/reference, which Docker and containerd share.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

function invalid(input: string, why: string): ImageError {
  return new ImageError('InvalidReference', `Image reference "${input}" is invalid: ${why}`, {
    reference: input,
  });
}

/**
 * Parses and normalises a reference the way `docker pull` reads it: the default registry is
 * docker.io, its one-word names live under `library/`, and a reference with neither tag nor
 * digest gets the tag `latest`. Throws `InvalidReference`.
 */
export function parseReference(input: string): ImageReference {
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!isDigest(d))
      throw invalid(input, 'only sha256 digests of 64 lowercase hex characters are supported');
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `tag "${tag}" is not valid`);
  }
  if (rest === '') throw invalid(input, 'the name is empty');

  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  // The first component names a registry only if it looks like a host: Docker's rule.
  const isDomain =
    slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let path = isDomain ? rest.slice(slash + 1) : rest;
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;

  if (!DOMAIN.test(domain)) throw invalid(input, `registry "${domain}" is not a host name`);
  if (/[A-Z]/.test(path)) throw invalid(input, 'repository name must be lowercase');
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) {
    throw invalid(input, `repository "${path}" has an invalid component`);
  }
  if (domain.length + 1 + path.length > MAX_NAME_LENGTH) {
    throw invalid(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `domain/path`, the repository a reference names. */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string: `domain/path[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  let out = repositoryOf(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** `parseReference` then `formatReference`: `busybox` becomes `docker.io/library/busybox:latest`. */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}
