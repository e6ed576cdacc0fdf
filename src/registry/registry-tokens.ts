import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Ids } from '../core/ids.ts';
import type { Scope } from '../core/scope.ts';
import { ensureSigningKey, getSigningKey } from '../store/registry-signing-keys.ts';
import type { Store } from '../store/store.ts';

export interface RegistryTokensOptions {
  store: Store;
  clock: Clock;
  ids: Ids;
}

/** What a token grants: a registry (account and region) until `expiresAt` (epoch ms). */
export interface RegistryGrant {
  scope: Scope;
  expiresAt: number;
}

/** ECR tokens last 12 hours. */
export const TOKEN_TTL_MS = 12 * 3600_000;

/**
 * The passwords GetAuthorizationToken hands out (`docker login -u AWS -p <password>`): the
 * grant in clear, signed with a secret of the account kept in the store, so any server of a
 * shared store checks them and nothing per token is stored.
 */
export class RegistryTokens {
  constructor(private readonly o: RegistryTokensOptions) {}

  async issue(scope: Scope): Promise<{ password: string; expiresAt: number }> {
    const now = this.o.clock.now();
    const expiresAt = now + TOKEN_TTL_MS;
    const payload = Buffer.from(JSON.stringify({ a: scope.account, r: scope.region, e: expiresAt })).toString(
      'base64url',
    );
    const key = await this.o.store.write((tx) =>
      ensureSigningKey(tx, scope.account, this.o.ids.hex(32), now),
    );
    return { password: `${payload}.${sign(key, payload)}`, expiresAt };
  }

  /** The grant of a password, or undefined when it is not one of ours, forged or expired. */
  async verify(password: string): Promise<RegistryGrant | undefined> {
    const [payload, signature, extra] = password.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    let grant: { a?: unknown; r?: unknown; e?: unknown };
    try {
      grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { a, r, e } = grant;
    if (typeof a !== 'string' || typeof r !== 'string' || typeof e !== 'number') return undefined;
    const key = await getSigningKey(this.o.store.db, a);
    if (key === undefined) return undefined;
    const want = Buffer.from(sign(key, payload));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    if (e <= this.o.clock.now()) return undefined;
    return { scope: { account: a, region: r }, expiresAt: e };
  }
}

function sign(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}
