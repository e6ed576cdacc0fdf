import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { protocolError } from '../../core/protocol-errors.ts';
import type { HttpRequest } from './http.ts';

/** Who signed a request, and the scope they signed it for. */
export interface SignedBy {
  accessKeyId: string;
  region: string;
  service: string;
  /** The signing date, `YYYYMMDD`. */
  date: string;
  /** `X-Amz-Security-Token`, when the request carries temporary credentials. */
  sessionToken?: string;
}

/** What the verifier needs to know of an access key. */
export interface SigningKey {
  secretAccessKey: string;
  /** Temporary credentials' session token, which every request they sign must carry. */
  sessionToken?: string;
  /** When temporary credentials stop working, epoch ms. */
  expiresAt?: number;
}

/** Looks up an access key, or undefined when the key is unknown. */
export type KeyLookup = (accessKeyId: string) => Promise<SigningKey | undefined>;

export interface VerifyOptions {
  lookupKey: KeyLookup;
  now: number;
  /** Accept any well-formed signature without checking it (development only). */
  acceptAnySignature: boolean;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** ECS refuses header signatures more than 5 minutes from its clock. */
const MAX_SKEW_MS = 5 * 60_000;
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface Parsed {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  presigned: boolean;
  expiresSeconds?: number;
  sessionToken?: string;
}

/**
 * Verifies an AWS Signature Version 4, in the Authorization header or as a presigned query,
 * by rebuilding the canonical request from the client's own list of signed headers. Temporary
 * credentials are checked as AWS checks them: their session token must come with the request
 * (and no token with a long-term key), and they must not have expired.
 */
export async function verifySigV4(req: HttpRequest, opts: VerifyOptions): Promise<SignedBy> {
  const p = parse(req);
  const signedBy: SignedBy = {
    accessKeyId: p.accessKeyId,
    region: p.region,
    service: p.service,
    date: p.date,
    ...(p.sessionToken !== undefined && { sessionToken: p.sessionToken }),
  };
  checkTime(p, opts.now);
  if (opts.acceptAnySignature) return signedBy;
  const found = await opts.lookupKey(p.accessKeyId);
  if (found === undefined || !sameToken(found.sessionToken, p.sessionToken)) {
    throw protocolError('UnrecognizedClientException', INVALID_TOKEN);
  }
  if (found.expiresAt !== undefined && found.expiresAt <= opts.now) {
    throw protocolError('ExpiredTokenException', EXPIRED_TOKEN);
  }
  const key = signingKey(found.secretAccessKey, p.date, p.region, p.service);
  const scope = `${p.date}/${p.region}/${p.service}/aws4_request`;
  for (const payloadHash of payloadHashes(req, p)) {
    const canonical = canonicalRequest(req, p, payloadHash);
    const toSign = [ALGORITHM, p.amzDate, scope, sha256hex(canonical)].join('\n');
    const expected = createHmac('sha256', key).update(toSign).digest();
    const given = Buffer.from(p.signature, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return signedBy;
  }
  throw protocolError('InvalidSignatureException', BAD_SIGNATURE);
}

function sameToken(expected: string | undefined, given: string | undefined): boolean {
  if (expected === undefined || given === undefined) return expected === given;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parse(req: HttpRequest): Parsed {
  const auth = header(req, 'authorization');
  const q = req.query;
  if (auth === undefined && q.get('X-Amz-Algorithm') === null) {
    throw protocolError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  if (auth !== undefined) {
    if (!auth.startsWith(`${ALGORITHM} `)) {
      throw protocolError(
        'IncompleteSignatureException',
        `Unsupported authorization type: ${auth.split(' ')[0]}`,
      );
    }
    const fields = new Map<string, string>();
    for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
      const i = part.indexOf('=');
      if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
    const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((f) => !fields.get(f));
    const amzDate = header(req, 'x-amz-date');
    if (missing.length > 0 || amzDate === undefined) {
      const parts = missing.map((f) => `Authorization header requires '${f}' parameter.`);
      if (amzDate === undefined)
        parts.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
      throw protocolError('IncompleteSignatureException', `${parts.join(' ')} Authorization=${auth}`);
    }
    const token = header(req, 'x-amz-security-token');
    return {
      ...credential(fields.get('Credential')!),
      amzDate,
      signedHeaders: fields.get('SignedHeaders')!.split(';'),
      signature: fields.get('Signature')!,
      presigned: false,
      ...(token !== undefined && { sessionToken: token }),
    };
  }
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw protocolError('IncompleteSignatureException', `Unsupported algorithm: ${q.get('X-Amz-Algorithm')}`);
  }
  const need = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
  const missing = need.filter((n) => !q.get(n));
  if (missing.length > 0) {
    throw protocolError(
      'IncompleteSignatureException',
      missing.map((n) => `AWS query-string parameters must include '${n}'.`).join(' ') +
        ' Re-examine the query-string parameters.',
    );
  }
  const expires = q.get('X-Amz-Expires');
  const token = q.get('X-Amz-Security-Token');
  return {
    ...credential(q.get('X-Amz-Credential')!),
    amzDate: q.get('X-Amz-Date')!,
    signedHeaders: q.get('X-Amz-SignedHeaders')!.split(';'),
    signature: q.get('X-Amz-Signature')!,
    presigned: true,
    ...(expires !== null && { expiresSeconds: Number(expires) }),
    ...(token !== null && { sessionToken: token }),
  };
}

function credential(text: string) {
  const parts = text.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service) {
    throw protocolError(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${text}'`,
    );
  }
  if (terminator !== 'aws4_request') {
    throw protocolError(
      'IncompleteSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    );
  }
  if (!/^\d{8}$/.test(date)) {
    throw protocolError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${date}'.`,
    );
  }
  if (!/^[a-z0-9-]{1,64}$/.test(region)) {
    throw protocolError(
      'IncompleteSignatureException',
      `Credential should be scoped to a valid region. Credential=${text}`,
    );
  }
  return { accessKeyId, date, region, service };
}

function checkTime(p: Parsed, now: number) {
  const signedAt = parseAmzDate(p.amzDate);
  if (signedAt === undefined) {
    throw protocolError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${p.amzDate}'.`,
    );
  }
  if (!p.amzDate.startsWith(p.date)) {
    throw protocolError(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${p.date}' != '${p.amzDate.slice(0, 8)}', from '${p.amzDate}'.`,
    );
  }
  if (p.presigned) {
    const expires = p.expiresSeconds ?? 900;
    if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) {
      throw protocolError(
        'IncompleteSignatureException',
        'X-Amz-Expires must be between 1 and 604800 seconds',
      );
    }
    if (now > signedAt + expires * 1000) {
      throw protocolError(
        'InvalidSignatureException',
        `Signature expired: ${p.amzDate} is now earlier than ${amzDate(now - expires * 1000)} (${amzDate(now)} - ${expires} sec.)`,
      );
    }
    if (signedAt > now + MAX_SKEW_MS) {
      throw protocolError(
        'InvalidSignatureException',
        `Signature not yet current: ${p.amzDate} is still later than ${amzDate(now + MAX_SKEW_MS)} (${amzDate(now)} + 5 min.)`,
      );
    }
    return;
  }
  if (signedAt < now - MAX_SKEW_MS) {
    throw protocolError(
      'InvalidSignatureException',
      `Signature expired: ${p.amzDate} is now earlier than ${amzDate(now - MAX_SKEW_MS)} (${amzDate(now)} - 5 min.)`,
    );
  }
  if (signedAt > now + MAX_SKEW_MS) {
    throw protocolError(
      'InvalidSignatureException',
      `Signature not yet current: ${p.amzDate} is still later than ${amzDate(now + MAX_SKEW_MS)} (${amzDate(now)} + 5 min.)`,
    );
  }
}

/** The payload hashes a client may have signed: the one it declared, or the body's. */
function payloadHashes(req: HttpRequest, p: Parsed): string[] {
  const declared = header(req, 'x-amz-content-sha256');
  if (declared !== undefined) {
    if (/^[0-9a-f]{64}$/.test(declared) && declared !== sha256hex(req.body)) {
      throw protocolError(
        'InvalidSignatureException',
        'The provided x-amz-content-sha256 header does not match what was computed.',
      );
    }
    return [declared];
  }
  // A presigned URL signs either the body's hash or UNSIGNED-PAYLOAD, depending on the client.
  return p.presigned ? [sha256hex(req.body), 'UNSIGNED-PAYLOAD'] : [sha256hex(req.body)];
}

function canonicalRequest(req: HttpRequest, p: Parsed, payloadHash: string): string {
  const headers = p.signedHeaders.map((name) => {
    const raw = req.headers[name];
    const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
    return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  });
  return [
    req.method,
    canonicalPath(req.path),
    canonicalQuery(req.rawQuery, p.presigned),
    headers.join(''),
    p.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** The path as sent, normalised and each segment encoded once more, as non-S3 services sign it. */
function canonicalPath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const joined = `/${out.map(encode).join('/')}`;
  return path.endsWith('/') && out.length > 0 ? `${joined}/` : joined;
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const k = decode(i < 0 ? part : part.slice(0, i));
    const v = i < 0 ? '' : decode(part.slice(i + 1));
    if (presigned && k === 'X-Amz-Signature') continue;
    pairs.push([encode(k), encode(v)]);
  }
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** RFC 3986 encoding: everything but unreserved characters. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
}

const amzDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * The service and region a request says it is signed for (its credential scope), read without
 * checking anything: Query services are told apart by it, since their form names no service.
 */
export function credentialScope(req: HttpRequest): { service: string; region: string } | undefined {
  const auth = header(req, 'authorization');
  const text =
    auth !== undefined ? /Credential=([^,\s]+)/.exec(auth)?.[1] : req.query.get('X-Amz-Credential');
  const parts = text?.split('/');
  if (parts?.length !== 5 || !parts[2] || !parts[3]) return undefined;
  return { region: parts[2], service: parts[3] };
}
