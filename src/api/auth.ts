import type { Clock } from '../core/clock.ts';
import { protocolError } from '../core/protocol-errors.ts';
import type { Scope } from '../core/scope.ts';
import { getAccessKey } from '../store/access-keys.ts';
import type { Store } from '../store/store.ts';
import type { HttpRequest } from './protocol/http.ts';
import { verifySigV4 } from './protocol/sigv4.ts';

/** Who is calling, and in which account and region. */
export interface Caller {
  scope: Scope;
  principalArn: string;
}

export interface AuthOptions {
  store: Store;
  clock: Clock;
  /** The account of callers whose key is unknown, when any signature is accepted. */
  defaultAccount: string;
  acceptAnySignature: boolean;
}

export const rootPrincipal = (account: string) => `arn:aws:iam::${account}:root`;

/** Checks a request's SigV4 signature against the access keys in the store. */
export class Authenticator {
  constructor(private readonly opts: AuthOptions) {}

  async authenticate(req: HttpRequest, signingName: string): Promise<Caller> {
    const { store, clock, acceptAnySignature, defaultAccount } = this.opts;
    const signed = await verifySigV4(req, {
      now: clock.now(),
      acceptAnySignature,
      lookupSecret: async (id) => (await getAccessKey(store.db, id))?.secretAccessKey,
    });
    if (signed.service !== signingName) {
      throw protocolError(
        'InvalidSignatureException',
        `Credential should be scoped to correct service: '${signingName}'.`,
      );
    }
    const key = await getAccessKey(store.db, signed.accessKeyId);
    const account = key?.account ?? defaultAccount;
    return {
      scope: { account, region: signed.region },
      principalArn: key?.principalArn ?? rootPrincipal(account),
    };
  }
}
