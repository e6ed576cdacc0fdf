import { scopeOfRegistryHost } from '../../core/ecr/ecr-names.ts';
import type { Scope } from '../../core/scope.ts';
import { ImageError } from './image-error.ts';
import type { Image } from './image-record.ts';
import type { ImageSource } from './image-source.ts';
import type { ImageStore } from './image-store.ts';
import { formatReference, type ImageReference, parseReference } from './reference.ts';
import { RegistryClient, type RegistryCredentials } from './registry-client.ts';

/** neargate's own registry, as pulls see it. */
export interface LocalRegistry {
  /** A repository of the registry of `scope`. */
  source(scope: Scope, repository: string): ImageSource;
}

/**
 * When a remote tag is pulled, as the ECS agent's `ECS_IMAGE_PULL_BEHAVIOR` says it:
 * `prefer-cached` uses an image already on the host, `default` pulls and falls back to the
 * host's image if the registry fails, `always` pulls or fails.
 */
export type PullBehavior = 'prefer-cached' | 'default' | 'always';

export interface ImagePullerOptions {
  images: ImageStore;
  localRegistry?: LocalRegistry | undefined;
  /** Where mirrored images are looked for when the caller names no account and region. */
  defaultScope: Scope;
  behavior: PullBehavior;
  /** Hosts (with port) reached over plain HTTP besides loopback ones. */
  insecureRegistries: readonly string[];
  fetch?: typeof fetch;
}

export interface PullOptions {
  credentials?: RegistryCredentials | undefined;
  /** The task's account and region: whose mirror repositories are looked in. */
  scope?: Scope | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Resolves an image reference as ECS does and pulls it into the image store:
 * `<account>.dkr.ecr.<region>.amazonaws.com/<repo>` from neargate's registry; any other name
 * from neargate's registry first, as a mirror (repository `<host>/<path>`, e.g.
 * `docker.io/library/nginx`), then from its own registry. Concurrent pulls of one image share
 * one pull.
 */
export class ImagePuller {
  readonly #o: ImagePullerOptions;
  readonly #running = new Map<string, Promise<Image>>();

  constructor(o: ImagePullerOptions) {
    this.#o = o;
  }

  pull(image: string, options: PullOptions = {}): Promise<Image> {
    const scope = options.scope ?? this.#o.defaultScope;
    const key = JSON.stringify([scope.account, scope.region, image, options.credentials?.username ?? '']);
    let running = this.#running.get(key);
    if (!running) {
      running = this.#pull(image, scope, options).finally(() => this.#running.delete(key));
      this.#running.set(key, running);
    }
    return running;
  }

  async #pull(image: string, scope: Scope, options: PullOptions): Promise<Image> {
    const ref = parseReference(image);
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const name = formatReference(
      ref.digest ? { domain: ref.domain, path: ref.path, digest: ref.digest } : ref,
    );
    const tags = ref.digest ? [] : [name];
    const pullOpts = { references: tags, ...(options.signal && { signal: options.signal }) };
    const images = this.#o.images;
    const ecr = scopeOfRegistryHost(ref.domain);
    if (ecr) {
      const local = this.#o.localRegistry;
      if (!local)
        throw new ImageError('RegistryError', `${name}: this host has no registry of neargate to pull from`);
      return images.pull(local.source(ecr, ref.path), reference, pullOpts);
    }
    const cached = await images.resolve(name).catch(() => undefined);
    if (ref.digest && cached) return cached;
    const mirror = this.#o.localRegistry?.source(scope, `${ref.domain}/${ref.path}`);
    if (mirror) {
      try {
        return await images.pull(mirror, reference, pullOpts);
      } catch (error) {
        if (!(error instanceof ImageError && error.code === 'ImageNotFound')) throw error;
      }
    }
    if (cached && this.#o.behavior === 'prefer-cached') return cached;
    try {
      return await images.pull(this.#remote(ref, options.credentials), reference, pullOpts);
    } catch (error) {
      if (cached && this.#o.behavior === 'default') return cached;
      throw error;
    }
  }

  #remote(ref: ImageReference, credentials: RegistryCredentials | undefined): RegistryClient {
    const host = ref.domain.replace(/:\d+$/, '');
    return new RegistryClient({
      domain: ref.domain,
      repository: ref.path,
      credentials,
      allowHttp: isLoopback(host) || this.#o.insecureRegistries.includes(ref.domain),
      ...(this.#o.fetch && { fetch: this.#o.fetch }),
    });
  }
}

/** Docker reaches these over plain HTTP without being told. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}
