/** `created`: runc created it, its process waits for start(); `missing`: nothing of it on this host. */
export type ContainerStatus = 'created' | 'running' | 'stopped' | 'missing';

/** What the host knows of a container: ContainerRuntime.inspect() and list(). */
export interface ContainerInfo {
  readonly id: string;
  readonly status: ContainerStatus;
  /** Host pid of the container's init while it is created or running. */
  readonly pid: number | null;
  /** 128 + signal when killed (137 for SIGKILL); null until stopped, or when no supervisor saw the end. */
  readonly exitCode: number | null;
  /** The kernel's OOM killer killed a process of the container (ECS: OutOfMemoryError). */
  readonly oomKilled: boolean;
  readonly createdAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly logPath: string | null;
}

/** A container that ended, as ContainerRuntime.watchExits() reports it. */
export interface ContainerExit {
  readonly id: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly finishedAt: Date;
}
