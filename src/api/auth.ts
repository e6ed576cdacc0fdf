import { rootPrincipal } from '../core/arn.ts';
import type { Clock } from '../core/clock.ts';
import { protocolError } from '../core/protocol-errors.ts';
import type { Scope } from '../core/scope.ts';
import { getAccessKey } from '../store/access-keys.ts';
import type { Store } from '../store/store.ts';
import { getTaskCredentialsByKey } from '../store/task-credentials.ts';
import type { ValueCipher } from '../store/value-cipher.ts';
import type { HttpRequest } from './protocol/http.ts';
import { type SigningKey, verifySigV4 } from './protocol/sigv4.ts';

/** Who is calling, and in which account and region. */
export interface Caller {
  scope: Scope;
  principalArn: string;
}

export interface AuthOptions {
  store: Store;
  /** Decrypts task role credentials (temporary `ASIA` keys). */
  cipher: ValueCipher;
  clock: Clock;
  /** The account of callers whose key is unknown, when any signature is accepted. */
  defaultAccount: string;
  acceptAnySignature: boolean;
}

export { rootPrincipal };

/**
 * Checks a request's SigV4 signature against the access keys in the store: long-term keys, and
 * the temporary ones of task roles, whose callers act as the role's session in the task's account.
 */
export class Authenticator {
  constructor(private readonly opts: AuthOptions) {}

  async authenticate(req: HttpRequest, signingName: string): Promise<Caller> {
    const { clock, acceptAnySignature, defaultAccount } = this.opts;
    const keys = new Map<string, Promise<KnownKey | undefined>>();
    const known = (id: string) => {
      if (!keys.has(id)) keys.set(id, this.#lookup(id));
      return keys.get(id)!;
    };
    const signed = await verifySigV4(req, {
      now: clock.now(),
      acceptAnySignature,
      lookupKey: known,
    });
    if (signed.service !== signingName) {
      throw protocolError(
        'InvalidSignatureException',
        `Credential should be scoped to correct service: '${signingName}'.`,
      );
    }
    const key = await known(signed.accessKeyId);
    const account = key?.account ?? defaultAccount;
    return {
      scope: { account, region: signed.region },
      principalArn: key?.principalArn ?? rootPrincipal(account),
    };
  }

  async #lookup(accessKeyId: string): Promise<KnownKey | undefined> {
    const { store, cipher } = this.opts;
    // STS gives temporary keys the ASIA prefix; long-term ones are AKIA (or whatever was configured).
    if (accessKeyId.startsWith('ASIA')) {
      const c = await getTaskCredentialsByKey(store.db, cipher, accessKeyId);
      if (c) {
        return {
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken,
          expiresAt: c.expiresAt,
          account: c.account,
          principalArn: c.principalArn,
        };
      }
    }
    const k = await getAccessKey(store.db, accessKeyId);
    return k && { secretAccessKey: k.secretAccessKey, account: k.account, principalArn: k.principalArn };
  }
}

interface KnownKey extends SigningKey {
  account: string;
  principalArn: string;
}
