import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { type Digest, isDigest } from '../agent/images/digest.ts';
import { REPOSITORY_NAME, scopeOfRegistryHost } from '../core/ecr/ecr-names.ts';
import type { Scope } from '../core/scope.ts';
import type { RepoKey } from '../store/ecr-images.ts';
import { listTags, markPulled } from '../store/ecr-images.ts';
import { listRepositories } from '../store/ecr-repositories.ts';
import { unlinkBlob } from '../store/registry-blobs.ts';
import type { Store } from '../store/store.ts';
import type { Registry } from './registry.ts';
import { RegistryError } from './registry-error.ts';
import type { RegistryTokens } from './registry-tokens.ts';

export interface RegistryHttpOptions {
  registry: Registry;
  store: Store;
  tokens: RegistryTokens;
  log: Logger;
  /** What a client without credentials is told to use: ECR's Basic, or a Bearer token from `/v2/token`. */
  challenge: 'basic' | 'bearer';
  /** Anonymous clients are let in, to this account and region (the host name's, if an ECR one). */
  anonymous: Scope | undefined;
  /** Clock for pull times. */
  now: () => number;
}

const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const ROUTES = {
  tags: new RegExp(`^/v2/(${NAME})/tags/list$`),
  manifest: new RegExp(`^/v2/(${NAME})/manifests/([^/]+)$`),
  uploads: new RegExp(`^/v2/(${NAME})/blobs/uploads/?$`),
  upload: new RegExp(`^/v2/(${NAME})/blobs/uploads/([^/]+)$`),
  blob: new RegExp(`^/v2/(${NAME})/blobs/([^/]+)$`),
};
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_PAGE = 1000;

/** True for the paths the registry answers (`/v2/` and below). */
export function isRegistryPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}

/**
 * The OCI distribution API (`/v2/`) over node's request and response, so it streams blobs
 * both ways without buffering them. Scope (account and region) comes from an ECR host name
 * when the client used one, else from its token.
 */
export class RegistryHttp {
  constructor(private readonly o: RegistryHttpOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      await this.#route(req, res);
    } catch (error) {
      req.resume();
      if (error instanceof RegistryError) return sendError(res, error, this.#challenge(req));
      this.o.log.error({ err: error, url: req.url, method: req.method }, 'registry request failed');
      if (!res.headersSent) {
        send(res, 500, { 'Content-Type': 'application/json' }, errorBody('UNKNOWN', 'Internal error'));
      } else res.destroy();
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    if (path === '/v2/token') return this.#token(req, res);
    const scope = await this.#authenticate(req);
    if (path === '/v2/' || path === '/v2') {
      return send(res, 200, { 'Content-Type': 'application/json' }, '{}');
    }
    if (path === '/v2/_catalog' && method === 'GET') return this.#catalog(res, scope, q);
    let m = ROUTES.tags.exec(path);
    if (m && method === 'GET') return this.#tags(res, repo(scope, m[1]!), q);
    m = ROUTES.manifest.exec(path);
    if (m) {
      const k = repo(scope, m[1]!);
      const ref = decodeURIComponent(m[2]!);
      if (method === 'GET' || method === 'HEAD') return this.#getManifest(req, res, k, ref);
      if (method === 'PUT') return this.#putManifest(req, res, k, ref);
      if (method === 'DELETE') return this.#deleteManifest(res, k, ref);
    }
    m = ROUTES.uploads.exec(path);
    if (m && method === 'POST') return this.#startUpload(req, res, repo(scope, m[1]!), q);
    m = ROUTES.upload.exec(path);
    if (m) {
      const k = repo(scope, m[1]!);
      const id = m[2]!;
      await this.#ownUpload(k, id);
      if (method === 'GET')
        return uploadStatus(res, k, id, (await this.o.registry.blobs.upload(id)).size, 204);
      if (method === 'PATCH') return this.#patch(req, res, k, id);
      if (method === 'PUT') return this.#finish(req, res, k, id, q);
      if (method === 'DELETE') {
        await this.o.registry.blobs.cancel(id);
        return send(res, 204, {});
      }
    }
    m = ROUTES.blob.exec(path);
    if (m) {
      const k = repo(scope, m[1]!);
      const digest = parseDigest(m[2]!);
      if (method === 'GET' || method === 'HEAD') return this.#getBlob(req, res, k, digest);
      if (method === 'DELETE') {
        if (!(await unlinkBlob(this.o.store.db, k, digest))) throw blobUnknown(digest);
        this.o.registry.collectSoon();
        return send(res, 202, { 'Content-Length': '0' });
      }
    }
    if (Object.values(ROUTES).some((r) => r.test(path))) {
      throw new RegistryError('UNSUPPORTED', `${method} is not supported on ${path}`);
    }
    throw new RegistryError('NAME_INVALID', `Path "${path}" names no repository`);
  }

  async #authenticate(req: IncomingMessage): Promise<Scope> {
    const host = scopeOfRegistryHost(req.headers.host ?? '');
    const grant = await this.#grant(req);
    if (grant) {
      if (host && (host.account !== grant.account || host.region !== grant.region)) {
        throw new RegistryError('DENIED', `The token is for registry ${grant.account} in ${grant.region}`);
      }
      return grant;
    }
    if (this.o.anonymous) return host ?? this.o.anonymous;
    throw new RegistryError('UNAUTHORIZED', 'Authentication is required');
  }

  async #grant(req: IncomingMessage): Promise<Scope | undefined> {
    const auth = req.headers.authorization ?? '';
    const space = auth.indexOf(' ');
    const kind = auth.slice(0, space).toLowerCase();
    const value = auth.slice(space + 1).trim();
    let password: string | undefined;
    if (kind === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && decoded.slice(0, colon) === 'AWS') password = decoded.slice(colon + 1);
    } else if (kind === 'bearer') password = value;
    if (password === undefined) return undefined;
    const grant = await this.o.tokens.verify(password);
    if (!grant && !this.o.anonymous)
      throw new RegistryError('UNAUTHORIZED', 'The credentials are not valid or have expired');
    return grant?.scope;
  }

  #challenge(req: IncomingMessage): string {
    const base = `http://${req.headers.host ?? '127.0.0.1'}`;
    return this.o.challenge === 'bearer'
      ? `Bearer realm="${base}/v2/token",service="neargate"`
      : `Basic realm="${base}/",service="ecr.amazonaws.com"`;
  }

  /** The token endpoint of the Bearer flow: Basic credentials in, a bearer token out. */
  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const decoded = auth.toLowerCase().startsWith('basic ')
      ? Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8')
      : '';
    const password = decoded.startsWith('AWS:') ? decoded.slice(4) : undefined;
    const grant = password === undefined ? undefined : await this.o.tokens.verify(password);
    if (!grant) {
      if (!this.o.anonymous)
        throw new RegistryError(
          'UNAUTHORIZED',
          'Log in with user AWS and a password from GetAuthorizationToken',
        );
      return sendJson(res, 200, { token: 'anonymous', access_token: 'anonymous' });
    }
    const expiresIn = Math.floor((grant.expiresAt - this.o.now()) / 1000);
    return sendJson(res, 200, {
      token: password,
      access_token: password,
      expires_in: expiresIn,
      issued_at: new Date(this.o.now()).toISOString(),
    });
  }

  async #catalog(res: ServerResponse, scope: Scope, q: URLSearchParams): Promise<void> {
    const n = pageSize(q);
    const last = q.get('last') ?? undefined;
    const repos = await listRepositories(this.o.store.db, scope, { after: last, limit: n + 1 });
    const names = repos.slice(0, n).map((r) => r.name);
    const headers: Record<string, string> = {};
    if (repos.length > n)
      headers.Link = `</v2/_catalog?n=${n}&last=${encodeURIComponent(names.at(-1)!)}>; rel="next"`;
    return sendJson(res, 200, { repositories: names }, headers);
  }

  async #tags(res: ServerResponse, k: RepoKey, q: URLSearchParams): Promise<void> {
    await this.o.registry.repository(this.o.store.db, k);
    const n = pageSize(q);
    const last = q.get('last') ?? undefined;
    const tags = await listTags(this.o.store.db, k, { after: last, limit: n + 1 });
    const shown = tags.slice(0, n);
    const headers: Record<string, string> = {};
    if (tags.length > n) {
      headers.Link = `</v2/${k.repository}/tags/list?n=${n}&last=${encodeURIComponent(shown.at(-1)!)}>; rel="next"`;
    }
    return sendJson(res, 200, { name: k.repository, tags: shown }, headers);
  }

  async #getManifest(req: IncomingMessage, res: ServerResponse, k: RepoKey, ref: string): Promise<void> {
    const accept = String(req.headers.accept ?? '')
      .split(',')
      .map((t) => t.split(';')[0]!.trim())
      .filter(Boolean);
    const m = await this.o.registry.getManifest(k, ref, accept);
    const headers = {
      'Content-Type': m.mediaType,
      'Content-Length': String(m.bytes.length),
      'Docker-Content-Digest': m.digest,
      ETag: `"${m.digest}"`,
    };
    if (req.method === 'HEAD') return send(res, 200, headers);
    await markPulled(this.o.store.db, k, m.digest, this.o.now());
    return send(res, 200, headers, m.bytes);
  }

  async #putManifest(req: IncomingMessage, res: ServerResponse, k: RepoKey, ref: string): Promise<void> {
    const bytes = await readBody(req, MAX_MANIFEST_BYTES);
    const { digest } = await this.o.registry.putManifest(k, ref, bytes, req.headers['content-type']);
    return send(res, 201, {
      Location: `/v2/${k.repository}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': '0',
    });
  }

  async #deleteManifest(res: ServerResponse, k: RepoKey, ref: string): Promise<void> {
    const id = isDigest(ref) ? { digest: ref } : { tag: ref };
    const result = await this.o.store.write(async (tx) => {
      await this.o.registry.repository(tx, k);
      return this.o.registry.deleteImage(tx, k, id);
    });
    if ('failure' in result) {
      if (result.failure === 'ImageNotFound') {
        throw new RegistryError(
          'MANIFEST_UNKNOWN',
          `Manifest "${ref}" is not in repository "${k.repository}"`,
        );
      }
      throw new RegistryError(
        'DENIED',
        `Manifest "${ref}" is listed by an index in repository "${k.repository}"`,
      );
    }
    this.o.registry.collectSoon();
    return send(res, 202, { 'Content-Length': '0' });
  }

  async #startUpload(
    req: IncomingMessage,
    res: ServerResponse,
    k: RepoKey,
    q: URLSearchParams,
  ): Promise<void> {
    const mount = q.get('mount');
    const from = q.get('from');
    await this.o.registry.repository(this.o.store.db, k);
    if (mount && isDigest(mount) && from && REPOSITORY_NAME.test(from)) {
      const size = await this.o.registry.mount(k, from, mount);
      if (size !== undefined) return blobCreated(res, k, mount);
    }
    const blobs = this.o.registry.blobs;
    const id = await blobs.startUpload({
      account: k.scope.account,
      region: k.scope.region,
      repository: k.repository,
    });
    const digest = q.get('digest');
    if (digest !== null) {
      const expected = parseDigest(digest);
      try {
        await blobs.append(id, req);
        await this.o.registry.finishUpload(k, id, expected);
      } finally {
        await blobs.cancel(id);
      }
      return blobCreated(res, k, expected);
    }
    req.resume();
    return uploadStatus(res, k, id, 0, 202);
  }

  async #patch(req: IncomingMessage, res: ServerResponse, k: RepoKey, id: string): Promise<void> {
    const range = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    const size = await this.o.registry.blobs.append(id, req, range ? Number(range[1]) : undefined);
    return uploadStatus(res, k, id, size, 202);
  }

  async #finish(req: IncomingMessage, res: ServerResponse, k: RepoKey, id: string, q: URLSearchParams) {
    const expected = parseDigest(q.get('digest') ?? '');
    const range = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    await this.o.registry.blobs.append(id, req, range ? Number(range[1]) : undefined);
    await this.o.registry.finishUpload(k, id, expected);
    return blobCreated(res, k, expected);
  }

  async #ownUpload(k: RepoKey, id: string): Promise<void> {
    const { owner } = await this.o.registry.blobs.upload(id);
    if (
      owner.account !== k.scope.account ||
      owner.region !== k.scope.region ||
      owner.repository !== k.repository
    ) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `Upload "${id}" is not known`);
    }
  }

  async #getBlob(req: IncomingMessage, res: ServerResponse, k: RepoKey, digest: Digest): Promise<void> {
    const size = await this.o.registry.blobSize(k, digest);
    if (size === undefined) throw blobUnknown(digest);
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': digest,
      'Accept-Ranges': 'bytes',
      ETag: `"${digest}"`,
      'Cache-Control': 'max-age=31536000',
    };
    const range = parseRange(req.headers.range, size);
    if (range === 'invalid') {
      return send(res, 416, { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
    }
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
      headers['Content-Length'] = String(range.end - range.start + 1);
    } else headers['Content-Length'] = String(size);
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    await pipeline(this.o.registry.blobs.read(digest, range), res);
  }
}

function repo(scope: Scope, name: string): RepoKey {
  if (name.length > 256)
    throw new RegistryError('NAME_INVALID', 'Repository name is longer than 256 characters');
  return { scope, repository: name };
}

function parseDigest(value: string): Digest {
  if (!isDigest(value)) throw new RegistryError('DIGEST_INVALID', `Digest "${value}" is not a sha256 digest`);
  return value;
}

function blobUnknown(digest: string): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', `Blob "${digest}" is not in the repository`, { digest });
}

function pageSize(q: URLSearchParams): number {
  const n = q.get('n');
  if (n === null || n === '') return DEFAULT_PAGE;
  const v = Number(n);
  if (!Number.isInteger(v) || v < 0)
    throw new RegistryError('UNSUPPORTED', `n "${n}" is not a number of results`);
  return Math.min(Math.max(v, 1), DEFAULT_PAGE);
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`, one range only; undefined for none. */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Buffer).length;
    if (n > max) throw new RegistryError('SIZE_INVALID', `Manifest is larger than ${max} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

function uploadStatus(res: ServerResponse, k: RepoKey, id: string, size: number, status: number) {
  send(res, status, {
    Location: `/v2/${k.repository}/blobs/uploads/${id}`,
    'Docker-Upload-UUID': id,
    Range: `0-${Math.max(0, size - 1)}`,
    'Content-Length': '0',
  });
}

function blobCreated(res: ServerResponse, k: RepoKey, digest: Digest) {
  send(res, 201, {
    Location: `/v2/${k.repository}/blobs/${digest}`,
    'Docker-Content-Digest': digest,
    'Content-Length': '0',
  });
}

function errorBody(code: string, message: string, detail?: unknown): string {
  return JSON.stringify({ errors: [{ code, message, ...(detail !== undefined && { detail }) }] });
}

function sendError(res: ServerResponse, error: RegistryError, challenge: string) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const code = error.code === 'RANGE_INVALID' ? 'BLOB_UPLOAD_INVALID' : error.code;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (error.code === 'UNAUTHORIZED') headers['WWW-Authenticate'] = challenge;
  send(res, error.status, headers, errorBody(code, error.message, error.detail));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(body));
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer) {
  if (body !== undefined && headers['Content-Length'] === undefined) {
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  res.writeHead(status, headers);
  res.end(body);
}
