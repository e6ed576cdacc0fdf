import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Authenticator, rootPrincipal } from './api/auth.ts';
import { ecsService } from './api/ecs/ecs-service.ts';
import { ApiGateway } from './api/gateway.ts';
import type { ApiDeps } from './api/operation.ts';
import { createHttpServer } from './api/server.ts';
import type { Config } from './config.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { type Ids, randomIds } from './core/ids.ts';
import { countAccessKeys, putAccessKey } from './store/access-keys.ts';
import { openStore, type Store } from './store/store.ts';

/** A running neargate. */
export interface Neargate {
  /** The API endpoint, e.g. `http://127.0.0.1:4566`. */
  readonly url: string;
  /** The root key pair, when this start created it (it is shown once, then only its id is kept known). */
  readonly createdRootKey: { id: string; secret: string } | undefined;
  readonly store: Store;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  ids?: Ids;
}

/** The composition root: the one place that picks concrete parts and wires them together. */
export async function startNeargate(config: Config, opts: StartOptions = {}): Promise<Neargate> {
  const log = opts.log ?? pino({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(
    config.databaseUrl
      ? { postgresUrl: config.databaseUrl }
      : { sqliteFile: join(config.dataDir, 'neargate.db') },
  );
  try {
    const createdRootKey = await ensureRootKey(store, config, ids, clock);
    const deps: ApiDeps = { store, clock, ids, log, wake: () => {} };
    const gateway = new ApiGateway({
      services: [ecsService()],
      auth: new Authenticator({
        store,
        clock,
        defaultAccount: config.accountId,
        acceptAnySignature: config.insecureAcceptAnyCredentials,
      }),
      deps,
    });
    const http = createHttpServer({ gateway, log, bodyLimitBytes: config.bodyLimitBytes });
    await http.listen({ host: config.host, port: config.port });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}`,
      createdRootKey,
      store,
      async close() {
        await http.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Makes sure the account has a root key: the one from the environment, or a new one on first start. */
async function ensureRootKey(store: Store, config: Config, ids: Ids, clock: Clock) {
  const principalArn = rootPrincipal(config.accountId);
  if (config.rootAccessKey) {
    await putAccessKey(
      store.db,
      {
        accessKeyId: config.rootAccessKey.id,
        secretAccessKey: config.rootAccessKey.secret,
        account: config.accountId,
        principalArn,
      },
      clock.now(),
    );
    return undefined;
  }
  if ((await countAccessKeys(store.db, config.accountId)) > 0) return undefined;
  const key = {
    id: `AKIA${ids.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    secret: ids.chars(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
  };
  await putAccessKey(
    store.db,
    { accessKeyId: key.id, secretAccessKey: key.secret, account: config.accountId, principalArn },
    clock.now(),
  );
  return key;
}
