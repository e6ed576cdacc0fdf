import { lstat, readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pinnedImage } from '../container-bundle.ts';
import type { ImageStore } from '../images/image-store.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { runtimeId } from '../runtime-id.ts';
import { taskDirs } from '../task-files.ts';
import { dockerStats, type StatsSample } from './docker-stats.ts';
import type { ContainerFacts, TaskFacts } from './metadata-responses.ts';
import type { MetadataHost } from './metadata-routes.ts';
import { parseNetDev, parseResolvConf, parseSystemCpuNs } from './proc-counters.ts';
import type { ContainerMetadata, TaskMetadata } from './task-metadata-source.ts';

export interface LocalMetadataHostOptions {
  runtime: ContainerRuntime;
  images: ImageStore;
  /** The agent's tasks directory (see taskDirs). */
  tasksDir: string;
  /** @default Date.now */
  now?: () => number;
}

/** How long a task's disk use is reused: walking its writable layers costs a stat per file. */
const STORAGE_CACHE_MS = 10_000;

/**
 * What this host knows of a task's containers, for the metadata endpoint: runtime times, image
 * ids, the resolvers in the task's resolv.conf, disk use, and stats from the containers' cgroups
 * (`runc events --stats`) and the task's network namespace (/proc/<pid>/net/dev).
 */
export class LocalMetadataHost implements MetadataHost {
  readonly #o: Required<LocalMetadataHostOptions>;
  /** The last reading of each container asked for, for the next one's `precpu_stats`. */
  readonly #samples = new Map<string, StatsSample>();
  readonly #storage = new Map<string, { atMs: number; usedMiB: number }>();

  constructor(options: LocalMetadataHostOptions) {
    this.#o = { now: () => Date.now(), ...options };
  }

  async facts(task: TaskMetadata): Promise<TaskFacts> {
    const dirs = taskDirs(this.#o.tasksDir, task.taskId);
    const [containers, resolv, usedMiB] = await Promise.all([
      Promise.all(task.containers.map((c) => this.#containerFacts(task, c))),
      readFile(dirs.resolvConf, 'utf8').catch(() => ''),
      this.#storageUsedMiB(task.taskId),
    ]);
    const { nameservers, search } = parseResolvConf(resolv);
    return {
      containers: new Map(task.containers.map((c, i) => [c.name, containers[i]!])),
      dnsServers: nameservers,
      dnsSearchList: search,
      ephemeralStorageUsedMiB: usedMiB,
    };
  }

  async stats(
    task: TaskMetadata,
    container: ContainerMetadata,
  ): Promise<Record<string, unknown> | undefined> {
    const id = runtimeId(task.taskId, container.name);
    const info = await this.#o.runtime.inspect(id);
    if (info.status !== 'running' || info.pid === null) return undefined;
    const [cgroup, procStat, netDev] = await Promise.all([
      // A container that ended meanwhile has no stats; any other failure is the endpoint's.
      this.#o.runtime.stats(id).catch(async (err: unknown) => {
        if ((await this.#o.runtime.inspect(id)).status !== 'running') return undefined;
        throw err;
      }),
      readFile('/proc/stat', 'utf8'),
      readFile(`/proc/${info.pid}/net/dev`, 'utf8').catch(() => ''),
    ]);
    if (!cgroup) return undefined;
    const networks = parseNetDev(netDev);
    networks.delete('lo');
    const current: StatsSample = {
      readAtMs: this.#o.now(),
      cgroup,
      systemCpuNs: parseSystemCpuNs(procStat),
      networks,
    };
    const previous = this.#samples.get(id);
    this.#samples.set(id, current);
    const limitMiB = container.memoryMiB ?? task.memoryMiB;
    return dockerStats({
      id,
      name: container.name,
      onlineCpus: cgroup.cpu.perCpuNs.length || cpus().length,
      memoryLimitBytes: cgroup.memory.limitBytes ?? limitMiB * 1024 * 1024,
      current,
      // A reading from before the container (re)started says nothing about this one.
      ...(previous && previous.cgroup.cpu.totalNs <= cgroup.cpu.totalNs && { previous }),
    });
  }

  /** Drops what is kept of a task that left the host. */
  forget(taskId: string): void {
    for (const id of this.#samples.keys()) if (id.startsWith(`${taskId}-`)) this.#samples.delete(id);
    this.#storage.delete(taskId);
  }

  async #containerFacts(task: TaskMetadata, c: ContainerMetadata): Promise<ContainerFacts> {
    const id = runtimeId(task.taskId, c.name);
    const [info, image] = await Promise.all([
      this.#o.runtime.inspect(id),
      this.#o.images
        .resolve(
          pinnedImage({ image: c.image, ...(c.imageDigest !== undefined && { imageDigest: c.imageDigest }) }),
        )
        .catch(() => undefined),
    ]);
    return {
      runtimeId: id,
      status: info.status,
      ...(info.exitCode !== null && { exitCode: info.exitCode }),
      ...(info.createdAt && { createdAt: info.createdAt }),
      ...(info.startedAt && { startedAt: info.startedAt }),
      ...(info.finishedAt && { finishedAt: info.finishedAt }),
      ...(image && { imageId: image.configDigest }),
    };
  }

  /** MiB in the containers' writable layers and the task's volumes (logs are not the task's disk). */
  async #storageUsedMiB(taskId: string): Promise<number> {
    const cached = this.#storage.get(taskId);
    if (cached && this.#o.now() - cached.atMs < STORAGE_CACHE_MS) return cached.usedMiB;
    const root = taskDirs(this.#o.tasksDir, taskId).root;
    const containers = await readdir(join(root, 'containers')).catch(() => [] as string[]);
    const sizes = await Promise.all([
      ...containers.map((name) => diskUsage(join(root, 'containers', name, 'upper'))),
      diskUsage(join(root, 'volumes')),
    ]);
    const usedMiB = Math.round(sizes.reduce((a, b) => a + b, 0) / (1024 * 1024));
    this.#storage.set(taskId, { atMs: this.#o.now(), usedMiB });
    return usedMiB;
  }
}

/** Bytes of disk a tree takes, as `du` counts them (allocated blocks, hard links once). */
async function diskUsage(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  let entries: string[];
  try {
    const st = await lstat(dir);
    total += st.blocks * 512;
    if (!st.isDirectory()) return total;
    entries = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) total += await diskUsage(path, seen);
    else {
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1 && seen.has(key)) continue;
      seen.add(key);
      total += st.blocks * 512;
    }
  }
  return total;
}
