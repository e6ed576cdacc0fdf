import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** ALB's cookie names: duration-based, application-based and target group stickiness. */
export const LB_COOKIE = 'AWSALB';
export const LB_COOKIE_CORS = 'AWSALBCORS';
export const APP_COOKIE = 'AWSALBAPP-0';
export const TG_COOKIE = 'AWSALBTG';
export const TG_COOKIE_CORS = 'AWSALBTGCORS';

/** How long ALB's application-based cookie itself lives, whatever the stickiness duration. */
export const APP_COOKIE_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/**
 * Seals and opens the load balancer's stickiness cookies. As on ALB, their content is encrypted
 * (AES-256-GCM, a key per data plane), so a client can neither read which target it is stuck to
 * nor forge a cookie for another.
 */
export class StickinessCookies {
  constructor(private readonly key: Buffer = randomBytes(32)) {
    if (key.length !== 32) throw new RangeError('A stickiness key has 32 bytes');
  }

  seal(payload: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The payload, or undefined for a cookie this data plane did not make. */
  open(value: string): string | undefined {
    const raw = Buffer.from(value, 'base64url');
    if (raw.length < 29) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** The value of cookie `name` in a request's Cookie headers, or undefined. */
export function cookieValue(cookieHeaders: readonly string[], name: string): string | undefined {
  for (const header of cookieHeaders) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/** A Set-Cookie line as ALB writes its own: Expires, not Max-Age. */
export function setCookieLine(name: string, value: string, expiresMs: number, cors: boolean): string {
  const expires = new Date(expiresMs).toUTCString();
  return `Set-Cookie: ${name}=${value}; Expires=${expires}; Path=/${cors ? '; SameSite=None; Secure' : ''}\r\n`;
}
