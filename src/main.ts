import { mkdir } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server as NetServer } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { startAdminServer } from './admin/admin-server.ts';
import type { HostAgent } from './agent/host-agent.ts';
import { LocalAgent } from './agent/local-agent.ts';
import { TASK_METADATA_ADDRESS } from './agent/metadata/task-metadata-server.ts';
import { Authenticator, rootPrincipal } from './api/auth.ts';
import { ecrService } from './api/ecr/ecr-service.ts';
import { ecsService } from './api/ecs/ecs-service.ts';
import { elbv2Service } from './api/elbv2/elbv2-service.ts';
import { ApiGateway } from './api/gateway.ts';
import { logsService } from './api/logs/logs-service.ts';
import type { ApiDeps } from './api/operation.ts';
import { secretsManagerService } from './api/secretsmanager/secrets-manager-service.ts';
import { createHttpServer } from './api/server.ts';
import { ssmService } from './api/ssm/ssm-service.ts';
import { stsService } from './api/sts/sts-service.ts';
import { adminSocket } from './cli/admin-client.ts';
import type { Config } from './config.ts';
import { Janitor } from './control/janitor.ts';
import { LbReconciler } from './control/lb-reconciler.ts';
import { LogShipper } from './control/log-shipper.ts';
import { ServiceScheduler } from './control/service-scheduler.ts';
import { SpotInterrupter } from './control/spot-interrupter.ts';
import { StoreTaskMetadata } from './control/task-metadata.ts';
import { TaskReconciler } from './control/task-reconciler.ts';
import { cidrsOverlap, parseCidr } from './core/cidr.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { type Ids, randomIds } from './core/ids.ts';
import { type LbDnsServer, TASK_DNS_ADDRESS } from './lb/lb-dns-server.ts';
import { startTaskDns } from './lb/task-dns.ts';
import { WorkerLbDataPlane } from './lb/worker-lb-data-plane.ts';
import { BlobStorage } from './registry/blob-storage.ts';
import { localRegistry } from './registry/local-source.ts';
import { Registry } from './registry/registry.ts';
import { isRegistryPath, RegistryHttp } from './registry/registry-http.ts';
import { RegistryTokens } from './registry/registry-tokens.ts';
import { countAccessKeys, putAccessKey } from './store/access-keys.ts';
import { openStore, type Store } from './store/store.ts';
import { openValueCipher, type ValueCipher } from './store/value-cipher.ts';

/** Where tasks reach the API: 169.254.170.2:4566, whatever port it has on the host. */
const TASK_API_PORT = 4566;

/** A running neargate. */
export interface Neargate {
  /** The API endpoint, e.g. `http://127.0.0.1:4566`. */
  readonly url: string;
  /** The root key pair, when this start created it (it is shown once, then only its id is kept known). */
  readonly createdRootKey: { id: string; secret: string } | undefined;
  readonly config: Config;
  readonly store: Store;
  /** Encrypts secret and parameter values at rest, with the key in the data dir. */
  readonly cipher: ValueCipher;
  readonly agent: LocalAgent;
  readonly reconciler: TaskReconciler;
  /** Ships containers' awslogs output into CloudWatch Logs. */
  readonly logs: LogShipper;
  readonly services: ServiceScheduler;
  readonly janitor: Janitor;
  readonly registry: Registry;
  /** Feeds the load balancer data plane; absent when the host runs none (load balancers stay provisioning). */
  readonly loadBalancers: LbReconciler | undefined;
  /** This host's load balancer data plane (config.lbDataPlane). */
  readonly lbDataPlane: WorkerLbDataPlane | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  ids?: Ids;
  /** Uniform in [0, 1), for what neargate picks at random (Spot interruptions). */
  random?: () => number;
}

/** The composition root: the one place that picks concrete parts and wires them together. */
export async function startNeargate(config: Config, opts: StartOptions = {}): Promise<Neargate> {
  const log = opts.log ?? pino({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const cipher = await openValueCipher(config.dataDir);
  const store = await openStore(
    config.databaseUrl
      ? { postgresUrl: config.databaseUrl }
      : { sqliteFile: join(config.dataDir, 'neargate.db') },
  );
  let agent: LocalAgent | undefined;
  let taskApi: NetServer | undefined;
  let lbDataPlane: WorkerLbDataPlane | undefined;
  let taskDns: LbDnsServer | undefined;
  try {
    const createdRootKey = await ensureRootKey(store, config, ids, clock);
    const defaultScope = { account: config.accountId, region: config.region };
    const registry = new Registry({
      store,
      blobs: new BlobStorage({ root: join(config.dataDir, 'registry'), randomHex: (n) => ids.hex(n), clock }),
      clock,
      log: log.child({ part: 'registry' }),
    });
    const tokens = new RegistryTokens({ store, clock, ids });
    const hostId = 'local';
    agent = await LocalAgent.start({
      root: join(config.dataDir, 'agent'),
      log: log.child({ part: 'agent' }),
      prefix: config.hostPrefix,
      cgroupParent: config.cgroupParent,
      registry: localRegistry(registry, store.db, () => clock.now()),
      pull: {
        behavior: config.imagePullBehavior,
        defaultScope,
        insecureRegistries: config.insecureRegistries,
      },
      metadata: new StoreTaskMetadata({ store, cipher, ids, clock, hostId }),
      unshippedLogMaxBytes: config.unshippedLogMaxBytes,
      ...(config.lbDataPlane && { taskNameserver: TASK_DNS_ADDRESS }),
    });
    const hostAgent = agent;
    const dataPlane = config.lbDataPlane
      ? new WorkerLbDataPlane({
          log: log.child({ part: 'lb' }),
          // Its block in /etc/hosts belongs to this data dir: a restarted server takes it over.
          hostsFile: { owner: config.dataDir },
          hostAddresses: {
            ensure: (ip) => hostAgent.ensureHostAddress(ip),
            remove: (ip) => hostAgent.removeHostAddress(ip),
            openPort: (ip, port) => hostAgent.openLbListener({ address: ip, port }),
            closePort: (ip, port) => hostAgent.closeLbListener({ address: ip, port }),
          },
        })
      : undefined;
    lbDataPlane = dataPlane;
    if (dataPlane) {
      taskDns = await startTaskDns({
        host: agent,
        lookup: (name) => dataPlane.lookupForTasks(name),
        upstreams: config.taskDnsUpstreams,
        log: log.child({ part: 'dns' }),
      });
    }
    const host = {
      id: hostId,
      cpuUnits: Math.floor(availableParallelism() * 1024 * config.cpuOvercommit),
      memoryMiB: Math.floor((totalmem() / 1024 / 1024) * config.memoryOvercommit),
    };
    // A VPC over a network the host already routes would cut it off: skip those.
    const defaultVpcCidrs = freeOf(config.defaultVpcCidrs, await agent.occupiedBlocks());
    const logs = new LogShipper({
      store,
      agent: agent as HostAgent,
      clock,
      log: log.child({ part: 'logs' }),
      hostId,
    });
    const tasks = new TaskReconciler({
      store,
      agent: agent as HostAgent,
      clock,
      log: log.child({ part: 'tasks' }),
      hostId,
      secrets: { store, cipher, ids, clock },
      logs,
      ids,
      onTargetsChange: () => loadBalancers?.wake(),
      // A service's tasks moving is what its scheduler waits for.
      onTaskChange: (t) => {
        if (t.serviceName) services.wake({ scope: t.scope, cluster: t.cluster, name: t.serviceName });
      },
    });
    const services: ServiceScheduler = new ServiceScheduler({
      store,
      clock,
      ids,
      log: log.child({ part: 'services' }),
      host,
      defaultVpcCidrs,
      policy: {
        healthyAfterRunningMs: config.taskHealthyAfterMs,
        throttleBaseMs: config.serviceThrottleBaseMs,
        throttleMaxMs: 27 * 60_000,
      },
      wakeTasks: (ids) => {
        for (const id of ids) tasks.wake(id);
      },
      ...(dataPlane && { targetHealth: (arn: string) => dataPlane.targetHealth(arn) }),
    });
    // A target turning healthy or unhealthy is what a deployment behind a load balancer waits for.
    dataPlane?.onHealthChange((arn) => {
      services.wakeTargetGroup(arn).catch((err: unknown) => log.error({ err }, 'waking services failed'));
    });
    const janitor = new Janitor({ store, clock, log, stoppedTaskRetentionMs: config.stoppedTaskRetentionMs });
    const spot = new SpotInterrupter({
      store,
      clock,
      log: log.child({ part: 'spot' }),
      hostId,
      random: opts.random ?? Math.random,
      ratePerHour: config.spotInterruptionsPerHour,
      wakeTasks: (ids) => {
        for (const id of ids) tasks.wake(id);
      },
    });
    const loadBalancers = dataPlane
      ? new LbReconciler({ store, clock, log: log.child({ part: 'lb' }), hostId, dataPlane })
      : undefined;
    const deps: ApiDeps = {
      store,
      clock,
      ids,
      log,
      wake: (taskIds) => {
        for (const id of taskIds) tasks.wake(id);
      },
      wakeService: (scope, cluster, name) => services.wake({ scope, cluster, name }),
      host,
      defaultVpcCidrs,
      lb: {
        addressBlock: config.lbAddressBlock,
        ...(dataPlane && { dataPlane }),
        wake: () => loadBalancers?.wake(),
      },
    };
    const gateway = new ApiGateway({
      services: [
        ecsService(),
        logsService(),
        ecrService({ registry, tokens, proxyEndpoint: () => url }),
        secretsManagerService({ cipher }),
        ssmService({ cipher }),
        elbv2Service(),
        stsService(),
      ],
      auth: new Authenticator({
        store,
        cipher,
        clock,
        defaultAccount: config.accountId,
        acceptAnySignature: config.insecureAcceptAnyCredentials,
      }),
      deps,
    });
    let url = '';
    const http = createHttpServer({ gateway, log, bodyLimitBytes: config.bodyLimitBytes });
    // The registry shares the API's port under /v2/, and streams bodies itself.
    const registryHttp = new RegistryHttp({
      registry,
      store,
      tokens,
      log: log.child({ part: 'registry' }),
      challenge: config.registryAuth,
      anonymous: config.insecureAcceptAnyCredentials ? defaultScope : undefined,
      now: () => clock.now(),
    });
    http.addHook('onRequest', async (req, reply) => {
      if (!isRegistryPath(req.raw.url ?? '')) return;
      reply.hijack();
      await registryHttp.handle(req.raw, reply.raw);
    });
    await tasks.start();
    await logs.start();
    await services.start();
    await loadBalancers?.start();
    janitor.start();
    spot.start();
    const admin = await startAdminServer({
      socketPath: adminSocket(config.dataDir),
      images: agent.images,
      spot,
      log: log.child({ part: 'admin' }),
      tmpDir: config.dataDir,
    });
    await http.listen({ host: config.host, port: config.port });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const hostname = config.host.includes(':') ? `[${config.host}]` : config.host;
    url = `http://${hostname}:${port}`;
    try {
      taskApi = await serveTasksTheApi(agent, http.server);
    } catch (err) {
      await http.close();
      throw err;
    }
    registry.collectSoon();
    return {
      url,
      createdRootKey,
      config,
      store,
      cipher,
      agent,
      reconciler: tasks,
      logs,
      services,
      janitor,
      // Tasks keep running: their supervisors outlive the server, and the next start adopts them.
      registry,
      loadBalancers,
      lbDataPlane: dataPlane,
      async close() {
        stopListening(taskApi);
        await http.close();
        await registry.settled();
        await admin.close();
        janitor.stop();
        spot.stop();
        await services.stop();
        await loadBalancers?.stop();
        await tasks.stop();
        await logs.stop();
        await taskDns?.close();
        // Takes the names out of /etc/hosts and the task addresses off the host, while the agent runs.
        await dataPlane?.close();
        await agent?.close();
        await store.close();
      },
    };
  } catch (err) {
    stopListening(taskApi);
    await taskDns?.close();
    await lbDataPlane?.close().catch(() => {});
    await agent?.close();
    await store.close();
    throw err;
  }
}

/**
 * Lets tasks call the API at 169.254.170.2:4566 (with their role's credentials): a listener of
 * its own on the host service address hands each connection to the API's HTTP server.
 */
async function serveTasksTheApi(agent: LocalAgent, api: HttpServer): Promise<NetServer> {
  await agent.ensureHostAddress(TASK_METADATA_ADDRESS);
  const server = createServer((socket) => api.emit('connection', socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, TASK_METADATA_ADDRESS, () => resolve());
  });
  const listenPort = (server.address() as { port: number }).port;
  await agent.exposeHostService({
    address: TASK_METADATA_ADDRESS,
    port: TASK_API_PORT,
    protocol: 'tcp',
    listenPort,
  });
  return server;
}

/** Takes no more connections; those it handed over end with the API server's own. */
function stopListening(server: NetServer | undefined): void {
  if (server?.listening) server.close();
}

function freeOf(candidates: readonly string[], occupied: readonly string[]): string[] {
  const taken = occupied.map(parseCidr);
  return candidates.filter((c) => !taken.some((t) => cidrsOverlap(t, parseCidr(c))));
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
