/**
 * The narrow interface between the control plane and a host: plain data in and out, so it can
 * cross a network later (one control plane, many hosts). Every call is idempotent: after a
 * crash the control plane simply repeats the step it was in.
 */
export interface HostAgent {
  /**
   * Makes the task's network namespace, ENI, cgroup and files (hosts, resolv.conf, volumes), and
   * may start readying its containers (their images permitting) meanwhile.
   */
  prepareTask(spec: TaskSpec, opts?: CallOptions): Promise<void>;
  /** Makes an image available on the host and tells its digest. Throws AgentError CannotPullContainerError. */
  pullImage(image: string, opts?: PullImageOptions): Promise<{ imageDigest: string }>;
  /** Creates and starts a container of a prepared task; a container already running is left alone. */
  startContainer(spec: ContainerSpec, opts?: CallOptions): Promise<{ runtimeId: string }>;
  /** The stop signal, then SIGKILL after `stopTimeoutMs`; resolves once the container has ended. */
  stopContainer(
    taskId: string,
    name: string,
    opts: { stopTimeoutMs: number; signal?: AbortSignal },
  ): Promise<void>;
  containerState(taskId: string, name: string): Promise<ContainerState>;
  /** Removes everything the task has on the host: containers, mounts, cgroup, netns, files. */
  releaseTask(taskId: string, opts?: CallOptions): Promise<void>;
  /** Ids of the tasks that have anything on this host, for a restarted control plane to compare. */
  tasksOnHost(): Promise<string[]>;
  /** Called with a task id when one of its containers exits or changes health. Returns an unsubscribe function. */
  onChange(listener: (taskId: string) => void): () => void;
  /**
   * Reads a container's stdout and stderr lines, as its supervisor logged them, from a position a
   * previous read returned (or the start): whole lines only, at most about `maxBytes`.
   */
  readContainerLog(
    taskId: string,
    name: string,
    from: LogPosition,
    opts: ReadLogOptions,
  ): Promise<ContainerLogChunk>;
  /**
   * Frees the disk a shipped container log (`logShipped`) uses before `upTo`, a position the
   * control plane has read and committed: the file keeps its size and offsets (its start becomes
   * a hole), so every later position stays valid and the supervisor goes on appending. Does
   * nothing if the log is gone or `upTo` is in another file.
   */
  trimContainerLog(taskId: string, name: string, upTo: LogPosition, opts?: CallOptions): Promise<void>;
  /** Called when a container writes to its log (coalesced: read until a chunk comes back short). */
  onLogOutput(listener: (taskId: string, name: string) => void): () => void;
  close(): Promise<void>;
}

/** A place in a container's log: which file (its identity on the host) and the byte offset in it. */
export interface LogPosition {
  /** '' before the first read. */
  fileId: string;
  offset: number;
}

export interface ReadLogOptions {
  maxBytes: number;
  /** The container has ended: a line left in pieces at the end is complete. */
  ended?: boolean;
}

/** One line a container wrote. */
export interface ContainerLogLine {
  /** Byte offsets of the line's first record and past its last. */
  offset: number;
  end: number;
  /** When the supervisor wrote it, epoch ms. */
  time: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface ContainerLogChunk {
  lines: ContainerLogLine[];
  /** Where the next read starts. */
  next: LogPosition;
  /** The file's size now: how much is written but not yet read is `size - next.offset`. */
  size: number;
  /** The read stopped at maxBytes: more is there. */
  full: boolean;
  /** Bytes passed over: a file replaced or cut under the position, or text that was not a record. */
  skippedBytes: number;
  /** The container has no log (never started, or released). */
  missing: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface PullImageOptions extends CallOptions {
  /** The container's `repositoryCredentials`, as read from Secrets Manager. */
  credentials?: { username: string; password: string };
  /** The task's account and region: whose registry mirrors other registries' images. @default the server's */
  scope?: { account: string; region: string };
}

/** A task's awsvpc network, as the control plane allocated it. */
export interface TaskNetworkSpec {
  vpcId: string;
  vpcCidr: string;
  subnetId: string;
  subnetCidr: string;
  eniId: string;
  ipv4: string;
  mac: string;
  assignPublicIp: boolean;
  /** The ENI's private DNS name, which is also the containers' hostname, as on Fargate. */
  hostname: string;
}

export interface TaskSpec {
  taskId: string;
  cpuUnits: number;
  memoryMiB: number;
  network: TaskNetworkSpec;
  /** Bind-mount volumes (`host: {}` on Fargate): one empty directory per name, shared by the task's containers. */
  volumes: string[];
  /** The containers it will start, so the host can ready them while it makes the network. */
  containers: ContainerSpec[];
}

/** One ECS container, as the task definition and RunTask overrides make it. */
export interface ContainerSpec {
  taskId: string;
  name: string;
  image: string;
  /** The manifest digest pullImage returned: the container runs that image even if the tag moved since. */
  imageDigest?: string;
  entryPoint?: string[];
  command?: string[];
  /** ECS's and the task definition's variables; the image's come underneath. */
  environment: Record<string, string>;
  workingDirectory?: string;
  user?: string;
  readonlyRootFilesystem?: boolean;
  memoryMiB?: number;
  memoryReservationMiB?: number;
  cpuUnits?: number;
  ulimits?: { name: string; softLimit: number; hardLimit: number }[];
  capabilities?: { add?: string[]; drop?: string[] };
  initProcessEnabled?: boolean;
  systemControls?: { namespace: string; value: string }[];
  dockerLabels?: Record<string, string>;
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
  healthCheck?: HealthCheckSpec;
  /**
   * The control plane ships this container's log (awslogs): the host keeps every line until
   * trimContainerLog frees it. Otherwise the log is the host's alone, bounded by the agent's
   * limit (its supervisor starts it afresh past it). @default false
   */
  logShipped?: boolean;
}

export interface HealthCheckSpec {
  /** `CMD` or `CMD-SHELL` first, as in ECS. */
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface ContainerState {
  status: 'missing' | 'created' | 'running' | 'stopped';
  runtimeId: string;
  exitCode: number | null;
  oomKilled: boolean;
  health: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
}

/** A failure the control plane reports to the user, with ECS's error class as its code. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    readonly code: 'CannotPullContainerError' | 'CannotStartContainerError' | 'ResourceInitializationError',
    message: string,
  ) {
    super(message);
  }
  /** As ECS words it in a container's `reason` and a task's `stoppedReason`. */
  get reason(): string {
    return `${this.code}: ${this.message}`;
  }
}
