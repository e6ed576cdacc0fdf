import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TaskCgroups } from './cgroups/task-cgroups.ts';
import { type ContainerBundle, prepareBundle } from './container-bundle.ts';
import { HealthMonitor } from './health-monitor.ts';
import {
  AgentError,
  type CallOptions,
  type ContainerLogChunk,
  type ContainerSpec,
  type ContainerState,
  type HealthCheckSpec,
  type HostAgent,
  type LogPosition,
  type PullImageOptions,
  type ReadLogOptions,
  type TaskSpec,
} from './host-agent.ts';
import { HostWork } from './host-work.ts';
import { ImageError } from './images/image-error.ts';
import { ImagePuller, type LocalRegistry, type PullBehavior } from './images/image-puller.ts';
import { ImageStore } from './images/image-store.ts';
import { LogWatcher } from './logs/log-watcher.ts';
import { readContainerLog } from './logs/read-container-log.ts';
import { trimContainerLog } from './logs/trim-container-log.ts';
import { LocalMetadataHost } from './metadata/local-metadata-host.ts';
import {
  TASK_METADATA_ADDRESS,
  TASK_METADATA_PORT,
  TaskMetadataServer,
} from './metadata/task-metadata-server.ts';
import type { TaskMetadataSource } from './metadata/task-metadata-source.ts';
import { type HostService, type LbListener, TaskNetwork } from './network/task-network.ts';
import { WorkerRunner } from './process/worker-runner.ts';
import { ContainerRuntime } from './runtime/container-runtime.ts';
import { readNofileCeiling } from './runtime/read-nofile-ceiling.ts';
import { runtimeId, taskIdOf } from './runtime-id.ts';
import { taskDirs, writeTaskFiles } from './task-files.ts';

export interface LocalAgentOptions {
  /** Where the agent keeps everything: images/, runtime/, tasks/. */
  root: string;
  log: Logger;
  /** Prefix of the names made on the host (bridges, veths, netns), so tests keep apart. @default 'ng' */
  prefix?: string;
  /** The cgroup every task cgroup lives under. @default '/neargate' */
  cgroupParent?: string;
  /** neargate's registry, which serves ECR names and mirrors other registries. */
  registry?: LocalRegistry;
  /** How images are pulled. @default prefer-cached, the server's default account and region, no insecure registries */
  pull?: {
    behavior: PullBehavior;
    defaultScope: { account: string; region: string };
    insecureRegistries: readonly string[];
  };
  /**
   * Where the task metadata and credentials endpoint (169.254.170.2) reads tasks. Without it
   * there is no endpoint, and containers get no ECS_CONTAINER_METADATA_URI.
   */
  metadata?: TaskMetadataSource;
  /**
   * The most a container log that is not shipped (no awslogs) may hold: conmon starts it afresh
   * when a line would take it past this. @default 10 MiB
   */
  unshippedLogMaxBytes?: number;
  /**
   * The nameserver in tasks' /etc/resolv.conf: a DNS server of the host that tasks reach (see
   * exposeHostService). @default the host's own nameservers, loopback ones left out
   */
  taskNameserver?: string;
}

/**
 * The host agent of this machine: images from the image store, containers under runc and
 * conmon, a cgroup per task, and an awsvpc network namespace per task. The only code that
 * changes the machine.
 */
export class LocalAgent implements HostAgent {
  readonly images: ImageStore;
  readonly #puller: ImagePuller;
  readonly #runtime: ContainerRuntime;
  readonly #network: TaskNetwork;
  readonly #cgroups: TaskCgroups;
  readonly #health: HealthMonitor;
  readonly #tasksDir: string;
  readonly #unshippedLogMaxBytes: number;
  readonly #taskNameserver: string | undefined;
  readonly #log: Logger;
  readonly #listeners = new Set<(taskId: string) => void>();
  /** Bundles being made ahead of startContainer, by runtime id. */
  readonly #bundles = new Map<string, Promise<ContainerBundle>>();
  /** Containers being created (not started) ahead of startContainer, with the bundle they were made from. */
  readonly #created = new Map<string, Promise<ContainerBundle | undefined>>();
  readonly #stopWatching = new AbortController();
  readonly #runner: WorkerRunner;
  /** Starts go first; cleanups of stopped tasks go several at a time behind them. */
  readonly #work = new HostWork();
  readonly #logs: LogWatcher;
  readonly #metadataHost: LocalMetadataHost;
  #metadataServer: TaskMetadataServer | undefined;
  #nofileCeiling: Promise<number | undefined> | undefined;

  private constructor(o: LocalAgentOptions, cgroups: TaskCgroups, runner: WorkerRunner) {
    this.#log = o.log;
    this.#tasksDir = join(o.root, 'tasks');
    this.#unshippedLogMaxBytes = o.unshippedLogMaxBytes ?? 10 * 1024 * 1024;
    this.#taskNameserver = o.taskNameserver;
    // Every process the agent starts is forked by one small worker, not by this big process.
    this.#runner = runner;
    this.images = new ImageStore({ root: join(o.root, 'images'), runner });
    this.#puller = new ImagePuller({
      images: this.images,
      localRegistry: o.registry,
      behavior: o.pull?.behavior ?? 'prefer-cached',
      defaultScope: o.pull?.defaultScope ?? { account: '000000000000', region: 'us-east-1' },
      insecureRegistries: o.pull?.insecureRegistries ?? [],
    });
    this.#runtime = new ContainerRuntime({
      stateDir: join(o.root, 'runtime'),
      cgroupMounts: cgroups.mounts,
      runner,
    });
    this.#network = new TaskNetwork({ prefix: o.prefix ?? 'ng', runner });
    this.#cgroups = cgroups;
    this.#logs = new LogWatcher((err, taskId) => o.log.warn({ err, taskId }, "cannot watch the task's logs"));
    this.#health = new HealthMonitor(
      async (id, args, timeoutMs) => (await this.#runtime.exec(id, args, { timeoutMs })).exitCode,
      (id) => this.#emit(taskIdOf(id)),
      o.log,
    );
    this.#metadataHost = new LocalMetadataHost({
      runtime: this.#runtime,
      images: this.images,
      tasksDir: this.#tasksDir,
    });
  }

  /** Detects the host's cgroups, restores network rules and starts watching container exits. */
  static async start(o: LocalAgentOptions): Promise<LocalAgent> {
    const cgroups = await TaskCgroups.detect({ parentPath: o.cgroupParent ?? '/neargate' });
    const runner = new WorkerRunner({
      onExit: (exit) => o.log.warn(exit, 'the spawn worker exited; the next command starts another'),
    });
    const agent = new LocalAgent(o, cgroups, runner);
    await mkdir(agent.#tasksDir, { recursive: true });
    await agent.#network.restore();
    if (o.metadata) {
      try {
        await agent.#startMetadataEndpoint(o.metadata, o.log);
      } catch (err) {
        await agent.close();
        throw err;
      }
    }
    void agent.#runtime
      .watchExits((exit) => agent.#emit(taskIdOf(exit.id)), { signal: agent.#stopWatching.signal })
      .catch((err: unknown) => {
        if (!agent.#stopWatching.signal.aborted) o.log.error({ err }, 'watching container exits failed');
      });
    await agent.#resumeHealthChecks();
    for (const taskId of await readdir(agent.#tasksDir).catch(() => [] as string[])) {
      agent.#logs.watch(taskId, join(taskDirs(agent.#tasksDir, taskId).root, 'logs'));
    }
    return agent;
  }

  prepareTask(spec: TaskSpec, opts: CallOptions = {}): Promise<void> {
    return this.#work.start(() => this.#prepareTask(spec, opts));
  }

  async #prepareTask(spec: TaskSpec, opts: CallOptions): Promise<void> {
    const n = spec.network;
    const dirs = taskDirs(this.#tasksDir, spec.taskId);
    this.#prepareBundles(spec);
    let namespaceMade = () => {};
    const namespace = new Promise<void>((resolve) => {
      namespaceMade = resolve;
    });
    const network = this.#network.createTaskNetns(
      spec.taskId,
      {
        subnet: { vpcId: n.vpcId, vpcCidr: n.vpcCidr, subnetId: n.subnetId, cidr: n.subnetCidr },
        ipv4: n.ipv4,
        macAddress: n.mac,
        assignPublicIp: n.assignPublicIp ? 'ENABLED' : 'DISABLED',
        eniId: n.eniId,
      },
      { ...opts, onNamespace: namespaceMade },
    );
    const cgroup = this.#cgroups.create(spec.taskId, { cpuUnits: spec.cpuUnits, memoryMiB: spec.memoryMiB });
    const files = writeTaskFiles(dirs, spec, { nameserver: this.#taskNameserver });
    // A failed network settles this too, so nothing waits on a namespace that never comes.
    this.#createAhead(spec, Promise.all([Promise.race([namespace, network]), cgroup, files]), opts);
    try {
      await Promise.all([network, cgroup, files]);
    } catch (err) {
      throw new AgentError(
        'ResourceInitializationError',
        `failed to prepare the task: ${(err as Error).message}`,
      );
    }
    this.#logs.watch(spec.taskId, join(dirs.root, 'logs'));
  }

  readContainerLog(
    taskId: string,
    name: string,
    from: LogPosition,
    opts: ReadLogOptions,
  ): Promise<ContainerLogChunk> {
    return readContainerLog(taskDirs(this.#tasksDir, taskId).log(name), from, opts);
  }

  async trimContainerLog(
    taskId: string,
    name: string,
    upTo: LogPosition,
    opts: CallOptions = {},
  ): Promise<void> {
    await trimContainerLog(taskDirs(this.#tasksDir, taskId).log(name), upTo, {
      runner: this.#runner,
      ...(opts.signal && { signal: opts.signal }),
    });
  }

  onLogOutput(listener: (taskId: string, name: string) => void): () => void {
    return this.#logs.on(listener);
  }

  async pullImage(image: string, opts: PullImageOptions = {}): Promise<{ imageDigest: string }> {
    try {
      const pulled = await this.#puller.pull(image, opts);
      return { imageDigest: pulled.manifestDigest };
    } catch (err) {
      this.#log.info({ err, image }, 'pull failed');
      const notFound = err instanceof ImageError && err.code === 'ImageNotFound';
      throw new AgentError(
        'CannotPullContainerError',
        notFound
          ? `pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: not found`
          : `pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ${(err as Error).message}`,
      );
    }
  }

  startContainer(spec: ContainerSpec, opts: CallOptions = {}): Promise<{ runtimeId: string }> {
    return this.#work.start(() => this.#startContainer(spec, opts));
  }

  async #startContainer(spec: ContainerSpec, opts: CallOptions): Promise<{ runtimeId: string }> {
    const id = runtimeId(spec.taskId, spec.name);
    if (!(await this.#takeCreatedAhead(id, spec, opts))) {
      const current = await this.#runtime.inspect(id);
      if (current.status === 'running' || current.status === 'stopped') return { runtimeId: id };
      if (current.status === 'missing') await this.#create(id, spec, opts);
    }
    try {
      await this.#runtime.start(id, opts);
    } catch (err) {
      throw new AgentError('CannotStartContainerError', (err as Error).message);
    }
    if (spec.healthCheck) this.#health.watch(id, spec.healthCheck);
    return { runtimeId: id };
  }

  /**
   * Lets tasks reach a server of the host at `service.address:port` (tcp or udp), which listens
   * at `address:listenPort`; call ensureHostAddress first, so that the server can bind there.
   */
  exposeHostService(service: HostService): Promise<void> {
    return this.#network.exposeHostService(service);
  }

  /** Puts a host service address (169.254.170.2, 169.254.169.253) on this host, for servers to bind. */
  ensureHostAddress(ipv4: string): Promise<void> {
    return this.#network.ensureHostAddress(ipv4);
  }

  /** Takes a host service address off this host, with every service exposed and listener opened at it. */
  removeHostAddress(ipv4: string): Promise<void> {
    return this.#network.removeHostAddress(ipv4);
  }

  /**
   * Lets tasks reach a load balancer listener at `listener.address:port` (TCP), a host address
   * (ensureHostAddress) the server listens on; nothing else listening there is open to tasks.
   */
  openLbListener(listener: LbListener): Promise<void> {
    return this.#network.openLbListener(listener);
  }

  /** Closes a load balancer listener to tasks' new connections. */
  closeLbListener(listener: LbListener): Promise<void> {
    return this.#network.closeLbListener(listener);
  }

  async #startMetadataEndpoint(source: TaskMetadataSource, log: Logger): Promise<void> {
    await this.#network.ensureHostAddress(TASK_METADATA_ADDRESS);
    this.#metadataServer = await TaskMetadataServer.start(
      { source, host: this.#metadataHost, log: log.child({ part: 'metadata' }) },
      TASK_METADATA_ADDRESS,
    );
    await this.#network.exposeHostService({
      address: TASK_METADATA_ADDRESS,
      port: TASK_METADATA_PORT,
      protocol: 'tcp',
      listenPort: this.#metadataServer.port,
    });
  }

  /** The variables the agent sets in every container: where its metadata endpoint is, as on Fargate. */
  #withAgentEnvironment(spec: ContainerSpec): ContainerSpec {
    if (!this.#metadataServer) return spec;
    const id = runtimeId(spec.taskId, spec.name);
    return {
      ...spec,
      environment: {
        ...spec.environment,
        ECS_CONTAINER_METADATA_URI: `http://${TASK_METADATA_ADDRESS}/v3/${id}`,
        ECS_CONTAINER_METADATA_URI_V4: `http://${TASK_METADATA_ADDRESS}/v4/${id}`,
      },
    };
  }

  async #create(id: string, spec: ContainerSpec, opts: CallOptions = {}): Promise<void> {
    let bundle = await (this.#bundles.get(id) ?? this.#bundle(spec));
    this.#bundles.delete(id);
    // Made ahead from an image the pull has since moved the tag off: make it again.
    if (!(await this.#isCurrent(bundle, spec))) {
      await this.images.unmountRootfs(bundle.containerDir, opts);
      bundle = await this.#bundle(spec);
    }
    await this.#createFrom(id, bundle, spec.logShipped === true, opts);
  }

  async #createFrom(
    id: string,
    bundle: ContainerBundle,
    logShipped: boolean,
    opts: CallOptions,
  ): Promise<void> {
    try {
      await this.#runtime.create(id, {
        bundleDir: bundle.containerDir,
        spec: bundle.spec,
        logPath: bundle.logPath,
        // A shipped log is trimmed of what was shipped instead: a cut would lose unshipped lines.
        ...(!logShipped && { logSizeMaxBytes: this.#unshippedLogMaxBytes }),
        ...(bundle.stopSignal && { stopSignal: bundle.stopSignal }),
        ...opts,
      });
    } catch (err) {
      throw new AgentError('CannotStartContainerError', (err as Error).message);
    }
  }

  async #bundle(spec: ContainerSpec, hostname?: string): Promise<ContainerBundle> {
    const dirs = taskDirs(this.#tasksDir, spec.taskId);
    this.#nofileCeiling ??= readNofileCeiling();
    return prepareBundle(this.#withAgentEnvironment(spec), {
      images: this.images,
      dirs,
      hostname: hostname ?? (await readFile(dirs.hostname, 'utf8')).trim(),
      netnsPath: this.#network.netnsPath(spec.taskId),
      cgroupsPath: this.#cgroups.containerPath(spec.taskId, spec.name),
      nofileCeiling: await this.#nofileCeiling,
    });
  }

  /**
   * Creates the task's containers (runc create, under conmon: everything but running the
   * command) as soon as their bundle, namespace, cgroup and files are there, while the
   * namespace's addresses and routes are still being set: startContainer then only starts them.
   * A create that fails here leaves nothing and is simply tried again by startContainer.
   */
  #createAhead(spec: TaskSpec, ready: Promise<unknown>, opts: CallOptions) {
    for (const c of spec.containers) {
      const id = runtimeId(spec.taskId, c.name);
      const bundle = this.#bundles.get(id);
      if (!bundle || this.#created.has(id)) continue;
      // Part of the start, though it may outlast prepareTask: cleanups hold back until it is done.
      const created = this.#work.start(async () => {
        const [made] = await Promise.all([bundle, ready]);
        // One there already (a prepare repeated after a crash) is left to startContainer.
        if ((await this.#runtime.inspect(id)).status !== 'missing') return undefined;
        await this.#createFrom(id, made, c.logShipped === true, opts);
        return made;
      });
      created.catch(() => {});
      this.#created.set(id, created);
    }
  }

  /**
   * Takes a container created ahead for startContainer, once its create is done: true when it is
   * there, made from the image the container is to run, and only needs starting. One made from an
   * image the pull has since moved the tag off is removed, for startContainer to make afresh.
   */
  async #takeCreatedAhead(id: string, spec: ContainerSpec, opts: CallOptions): Promise<boolean> {
    const ahead = this.#created.get(id);
    if (!ahead) return false;
    this.#created.delete(id);
    const made = await ahead.catch(() => undefined);
    if (made === undefined) return false;
    this.#bundles.delete(id);
    if (await this.#isCurrent(made, spec)) return true;
    await this.#runtime.remove(id, opts);
    await this.images.unmountRootfs(made.containerDir, opts);
    return false;
  }

  /** Whether the bundle was made from the image the container is to run. */
  async #isCurrent(bundle: ContainerBundle, spec: ContainerSpec): Promise<boolean> {
    const current =
      spec.imageDigest ?? (await this.images.resolve(spec.image).catch(() => undefined))?.manifestDigest;
    return current === undefined || current === bundle.manifestDigest;
  }

  /**
   * Starts making the bundles of the task's containers whose images are here, while the network
   * is being made; startContainer takes them. One that fails is simply made again then.
   */
  #prepareBundles(spec: TaskSpec) {
    for (const c of spec.containers) {
      const id = runtimeId(spec.taskId, c.name);
      if (this.#bundles.has(id)) continue;
      const made = this.#bundle(c, spec.network.hostname);
      made.catch(() => this.#bundles.delete(id));
      this.#bundles.set(id, made);
    }
  }

  async stopContainer(
    taskId: string,
    name: string,
    opts: { stopTimeoutMs: number; signal?: AbortSignal },
  ): Promise<void> {
    const id = runtimeId(taskId, name);
    this.#health.unwatch(id);
    // A create still under way (a task stopped while PENDING) has no pid to signal yet: the stop
    // would find nothing to kill and wait out the stop timeout for a container that never starts.
    await this.#created.get(id)?.catch(() => {});
    const state = await this.#runtime.inspect(id);
    if (state.status === 'running' || state.status === 'created') await this.#runtime.stop(id, opts);
  }

  async containerState(taskId: string, name: string): Promise<ContainerState> {
    const id = runtimeId(taskId, name);
    const info = await this.#runtime.inspect(id);
    return {
      status: info.status,
      runtimeId: id,
      exitCode: info.exitCode,
      oomKilled: info.oomKilled,
      health: this.#health.status(id),
    };
  }

  /** Cleans up after the task, behind starting tasks: see HostWork. */
  releaseTask(taskId: string, opts: CallOptions = {}): Promise<void> {
    return this.#work.cleanup(() => this.#releaseTask(taskId, opts), opts);
  }

  async #releaseTask(taskId: string, opts: CallOptions): Promise<void> {
    const dirs = taskDirs(this.#tasksDir, taskId);
    this.#logs.unwatch(taskId);
    // A bundle still being made would mount after the unmount below, and a container still
    // being created would appear after the removal: wait for those first.
    for (const pending of [this.#created, this.#bundles]) {
      for (const [id, made] of pending) {
        if (taskIdOf(id) !== taskId) continue;
        await made.catch(() => {});
        pending.delete(id);
      }
    }
    const containers = (await this.#runtime.ids()).filter((id) => taskIdOf(id) === taskId);
    await Promise.all(
      containers.map(async (id) => {
        this.#health.unwatch(id);
        await this.#runtime.remove(id, opts);
      }),
    );
    // Its own containers' directories, not every lease on the host: a service scaling in releases
    // dozens of tasks at once. unmountRootfs is safe on one never mounted.
    const names = await readdir(join(dirs.root, 'containers')).catch(() => [] as string[]);
    await Promise.all(names.map((name) => this.images.unmountRootfs(dirs.container(name), opts)));
    await Promise.all([this.#cgroups.remove(taskId, opts), this.#network.deleteTaskNetns(taskId, opts)]);
    await rm(dirs.root, { recursive: true, force: true });
    this.#metadataHost.forget(taskId);
  }

  async tasksOnHost(): Promise<string[]> {
    const ids = new Set<string>();
    for (const name of await readdir(this.#tasksDir).catch(() => [] as string[])) ids.add(name);
    for (const id of await this.#runtime.ids()) {
      const t = taskIdOf(id);
      if (t) ids.add(t);
    }
    for (const t of (await this.#network.list()).tasks) ids.add(t.taskId);
    for (const t of await this.#cgroups.list()) ids.add(t);
    return [...ids].filter((id) => /^[0-9a-f]{32}$/.test(id));
  }

  /** The IPv4 blocks other networks on this host use: VPCs must keep clear of them. */
  occupiedBlocks(): Promise<string[]> {
    return this.#network.occupiedBlocks();
  }

  /**
   * Removes everything this agent made on the host: every task, the subnet bridges and
   * nftables tables of its prefix, its cgroup parent. For tests and `uninstall`, not for restarts.
   */
  async teardown(): Promise<void> {
    for (const taskId of await this.tasksOnHost()) await this.releaseTask(taskId);
    await this.#network.teardown();
    await this.#cgroups.removeParent();
  }

  onChange(listener: (taskId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#stopWatching.abort();
    this.#health.close();
    this.#logs.close();
    await this.#metadataServer?.close();
    this.#metadataServer = undefined;
    await this.#runner.close();
  }

  #emit(taskId: string | undefined) {
    if (taskId === undefined) return;
    for (const l of this.#listeners) l(taskId);
  }

  /** Health is kept in memory: a restarted agent starts checking its running containers again. */
  async #resumeHealthChecks() {
    for (const c of await this.#runtime.list()) {
      const taskId = taskIdOf(c.id);
      if (!taskId || c.status !== 'running') continue;
      const dir = join(this.#tasksDir, taskId, 'containers');
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (runtimeId(taskId, name) !== c.id) continue;
        const spec = await readFile(join(dir, name, 'health.json'), 'utf8').catch(() => undefined);
        if (spec) this.#health.watch(c.id, JSON.parse(spec) as HealthCheckSpec);
      }
    }
  }
}
