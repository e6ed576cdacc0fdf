import { type Digest, isDigest, sha256Of } from './digest.ts';
import { ImageError } from './image-error.ts';
import {
  ACCEPTED_MANIFEST_TYPES,
  type BlobBody,
  type FetchedManifest,
  type ImageSource,
} from './image-source.ts';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** The registry host as the reference names it (`docker.io`, `localhost:5000`). */
  domain: string;
  repository: string;
  credentials?: RegistryCredentials | undefined;
  /** Plain HTTP is allowed (after HTTPS fails): loopback hosts and those configured insecure. */
  allowHttp: boolean;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Docker Hub's API host is not its name. */
const API_HOST: Record<string, string> = { 'docker.io': 'registry-1.docker.io' };

/**
 * An OCI distribution client for pulls: anonymous, Basic or Bearer-token auth (asked for by
 * the registry's challenge), HTTPS, or plain HTTP where allowed.
 */
export class RegistryClient implements ImageSource {
  readonly name: string;
  readonly #o: RegistryClientOptions;
  readonly #fetch: typeof fetch;
  readonly #host: string;
  #base: string | undefined;
  #authorization: string | undefined;

  constructor(o: RegistryClientOptions) {
    this.#o = o;
    this.#fetch = o.fetch ?? globalThis.fetch;
    this.#host = API_HOST[o.domain] ?? o.domain;
    this.name = `${o.domain}/${o.repository}`;
  }

  async manifest(
    reference: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<FetchedManifest | undefined> {
    const res = await this.#get(
      `/v2/${this.#o.repository}/manifests/${reference}`,
      {
        accept: ACCEPTED_MANIFEST_TYPES.join(', '),
      },
      options.signal,
    );
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    await this.#ok(res, `manifest "${reference}"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const header = res.headers.get('docker-content-digest');
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || mediaTypeOf(bytes);
    const claimed = isDigest(reference) ? reference : header && isDigest(header) ? header : undefined;
    return { digest: claimed ?? sha256Of(bytes), mediaType, bytes };
  }

  async blob(d: { digest: Digest; size: number }, options: { signal?: AbortSignal } = {}): Promise<BlobBody> {
    const res = await this.#get(`/v2/${this.#o.repository}/blobs/${d.digest}`, {}, options.signal);
    await this.#ok(res, `blob "${d.digest}"`);
    if (!res.body) throw this.#error(`blob "${d.digest}" has no body`);
    return { stream: res.body as unknown as AsyncIterable<Uint8Array> };
  }

  async #get(
    path: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    let res = await this.#send(path, headers, signal);
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      await res.body?.cancel();
      this.#authorization = await this.#authorize(challenge, signal);
      res = await this.#send(path, headers, signal);
    }
    return res;
  }

  async #send(
    path: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const init = (): RequestInit => ({
      headers: { ...headers, ...(this.#authorization && { authorization: this.#authorization }) },
      redirect: 'follow',
      ...(signal && { signal }),
    });
    if (this.#base) return this.#fetch(`${this.#base}${path}`, init()).catch((e) => this.#unreachable(e));
    try {
      const res = await this.#fetch(`https://${this.#host}${path}`, init());
      this.#base = `https://${this.#host}`;
      return res;
    } catch (error) {
      if (!this.#o.allowHttp || signal?.aborted) return this.#unreachable(error);
      const res = await this.#fetch(`http://${this.#host}${path}`, init()).catch((e) => this.#unreachable(e));
      this.#base = `http://${this.#host}`;
      return res;
    }
  }

  async #authorize(challenge: string, signal: AbortSignal | undefined): Promise<string> {
    const creds = this.#o.credentials;
    const basic = creds && `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const scheme = challenge.split(' ')[0]?.toLowerCase();
    if (scheme === 'basic') {
      if (!basic) throw this.#error('the registry asks for credentials and none were given', 'denied');
      return basic;
    }
    if (scheme !== 'bearer')
      throw this.#error(`the registry asks for unknown authentication "${challenge}"`, 'denied');
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    if (!params.realm) throw this.#error('the registry asks for a token without a realm', 'denied');
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.#o.repository}:pull`);
    const res = await this.#fetch(url, {
      headers: basic ? { authorization: basic } : {},
      ...(signal && { signal }),
    }).catch((e) => this.#unreachable(e));
    if (!res.ok) {
      await res.body?.cancel();
      throw this.#error(`the token service answered ${res.status}`, 'denied');
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw this.#error('the token service answered no token', 'denied');
    return `Bearer ${token}`;
  }

  async #ok(res: Response, what: string): Promise<void> {
    if (res.ok) return;
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 200);
    try {
      const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors;
      if (errors?.[0]) detail = `${errors[0].code ?? ''}: ${errors[0].message ?? ''}`;
    } catch {}
    const kind =
      res.status === 401 || res.status === 403 ? 'denied' : res.status === 404 ? 'not found' : 'failed';
    throw this.#error(`${what}: ${res.status} ${detail}`.trim(), kind);
  }

  #unreachable(error: unknown): never {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw this.#error(`cannot reach ${this.#host}: ${why}`, 'unreachable', error);
  }

  #error(message: string, kind = 'failed', cause?: unknown): ImageError {
    return new ImageError(
      'RegistryError',
      `${this.name}: ${message}`,
      { registry: this.#o.domain, kind },
      cause ? { cause } : undefined,
    );
  }
}

function mediaTypeOf(bytes: Buffer): string {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown };
    return (
      json.mediaType ??
      (Array.isArray(json.manifests) ? ACCEPTED_MANIFEST_TYPES[0] : ACCEPTED_MANIFEST_TYPES[2])
    );
  } catch {
    return '';
  }
}
