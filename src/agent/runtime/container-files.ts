import { readFile, stat, writeFile } from 'node:fs/promises';
import type { CgroupMounts } from '../cgroups/cgroup-mounts.ts';
import { readOomKillCount } from '../cgroups/read-oom-kill-count.ts';
import { isConmonAlive } from './conmon-alive.ts';
import type { ContainerExit } from './container-info.ts';
import type { StateLayout } from './state-layout.ts';

/** What create() was given, kept as container.json. */
export interface ContainerRecord {
  readonly createdAt: string;
  readonly logPath: string;
  readonly stopSignal: string;
  readonly bundleDir: string;
  readonly cgroupsPath: string | null;
}

/** Reads the facts about containers that the state dir holds (see StateLayout). */
export class ContainerFiles {
  readonly layout: StateLayout;
  readonly #cgroupMounts: () => Promise<CgroupMounts>;

  constructor(layout: StateLayout, cgroupMounts: () => Promise<CgroupMounts>) {
    this.layout = layout;
    this.#cgroupMounts = cgroupMounts;
  }

  async record(id: string): Promise<ContainerRecord | null> {
    const text = await readFile(this.layout.file(id, 'container.json'), 'utf8').catch(() => null);
    return text === null ? null : (JSON.parse(text) as ContainerRecord);
  }

  /** The exit conmon recorded, or null while there is none. */
  async exit(id: string): Promise<ContainerExit | null> {
    const file = this.layout.exitFile(id);
    const [text, info, record] = await Promise.all([
      readFile(file, 'utf8').catch(() => null),
      stat(file).catch(() => null),
      this.record(id),
    ]);
    // conmon writes through a temporary file and a rename: a name without a record is one of those.
    if (text === null || info === null || record === null || !/^-?\d+\s*$/.test(text)) return null;
    return {
      id,
      exitCode: Number(text),
      oomKilled: await this.oomKilled(id, record, true),
      finishedAt: info.mtime,
    };
  }

  /**
   * The cgroup's oom_kill counter while the cgroup exists (until runc delete); once the container
   * ended it is kept in the state dir. conmon's `oom` file is the last resort only: it is written
   * for any OOM of an enclosing cgroup too, so a task-wide OOM marks containers that lost nothing.
   */
  async oomKilled(id: string, record: ContainerRecord | null, ended: boolean): Promise<boolean> {
    const kept = this.layout.file(id, 'oom-killed');
    if (await exists(kept)) return true;
    const count = record?.cgroupsPath
      ? await readOomKillCount(await this.#cgroupMounts(), record.cgroupsPath)
      : null;
    if (count !== null) {
      if (count > 0 && ended) await writeFile(kept, String(count));
      return count > 0;
    }
    return ended && (await exists(this.layout.file(id, 'oom')));
  }

  async startedAt(id: string): Promise<Date | null> {
    const text = await readFile(this.layout.file(id, 'started'), 'utf8').catch(() => null);
    return text === null ? null : new Date(text);
  }

  async conmonPid(id: string): Promise<number | null> {
    const text = await readFile(this.layout.file(id, 'conmon.pid'), 'utf8').catch(() => null);
    const pid = Number(text?.trim());
    return text !== null && Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  /** The container init's host pid, as conmon wrote it. */
  async containerPid(id: string): Promise<number | null> {
    const text = await readFile(this.layout.file(id, 'pid'), 'utf8').catch(() => null);
    const pid = Number(text?.trim());
    return text !== null && Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  async conmonAlive(id: string): Promise<boolean> {
    const pid = await this.conmonPid(id);
    return pid !== null && isConmonAlive(pid, id);
  }

  hasExitFile(id: string): Promise<boolean> {
    return exists(this.layout.exitFile(id));
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
