import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';

/** One name the host should resolve. */
export interface HostsEntry {
  readonly address: string;
  readonly name: string;
}

export interface HostsFileOptions {
  /** @default '/etc/hosts' */
  readonly path?: string;
  /**
   * Who owns the block, stable across restarts of the same server (its data dir, say): a
   * restarted server replaces its own block; other owners' blocks are never touched while their
   * process lives.
   */
  readonly owner: string;
  /** @default process.pid */
  readonly pid?: number;
  /** Whether a process runs; blocks of dead owners are dropped. @default signal 0 */
  readonly isAlive?: (pid: number) => boolean;
}

const BEGIN = '# neargate load balancers ';
const END = '# end of neargate load balancers ';

/**
 * Keeps this server's load balancer names in a block of its own in /etc/hosts, so programs on the
 * host resolve them with no setup. Writes are atomic (a temporary file renamed over the hosts
 * file, or an in-place write where the file is a mount point), serialised between servers with a
 * lock file beside it, and leave the user's lines and other servers' blocks as they were.
 */
export class HostsFile {
  readonly #path: string;
  readonly #owner: string;
  readonly #pid: number;
  readonly #isAlive: (pid: number) => boolean;
  #written: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: HostsFileOptions) {
    if (/[\r\n]/.test(options.owner)) throw new RangeError('A hosts block owner is one line');
    this.#path = options.path ?? '/etc/hosts';
    this.#owner = options.owner;
    this.#pid = options.pid ?? process.pid;
    this.#isAlive = options.isAlive ?? processIsAlive;
  }

  /** Makes this owner's block hold exactly `entries` (none: no block). Skips the write if unchanged. */
  write(entries: readonly HostsEntry[]): Promise<void> {
    const lines = [...entries]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => `${e.address}\t${e.name}`)
      .join('\n');
    if (lines === this.#written) return this.#serialized(async () => {});
    this.#written = lines;
    return this.#serialized(async () => {
      try {
        await this.#rewrite(lines);
      } catch (error) {
        this.#written = undefined; // try again next time
        throw error;
      }
    });
  }

  /** Removes this owner's block. */
  remove(): Promise<void> {
    this.#written = '';
    return this.#serialized(() => this.#rewrite(''));
  }

  async #rewrite(lines: string): Promise<void> {
    const release = await this.#lock();
    try {
      const current = await readFile(this.#path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      const next = this.#replaceBlock(current, lines);
      if (next !== current) await this.#replaceFile(next);
    } finally {
      await release();
    }
  }

  /** The file with this owner's block replaced (or removed), and dead owners' blocks dropped. */
  #replaceBlock(text: string, lines: string): string {
    const out: string[] = [];
    const source = text.split('\n');
    if (source[source.length - 1] === '') source.pop();
    for (let i = 0; i < source.length; i++) {
      const line = source[i]!;
      const block = parseBegin(line);
      if (block === undefined) {
        out.push(line);
        continue;
      }
      const end = source.indexOf(`${END}${block.owner}`, i + 1);
      if (end < 0) {
        out.push(line); // not a block of ours after all: leave it
        continue;
      }
      const mine = block.owner === this.#owner;
      if (!mine && this.#isAlive(block.pid)) {
        out.push(...source.slice(i, end + 1));
      }
      i = end;
    }
    if (lines !== '') {
      out.push(`${BEGIN}pid=${this.#pid} ${this.#owner}`, ...lines.split('\n'), `${END}${this.#owner}`);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  async #replaceFile(text: string): Promise<void> {
    const mode = await stat(this.#path).then(
      (s) => s.mode & 0o7777,
      () => 0o644,
    );
    const temporary = `${this.#path}.neargate-${randomBytes(6).toString('hex')}`;
    const file = await open(temporary, 'wx', mode);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await chmod(temporary, mode);
    try {
      await rename(temporary, this.#path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      // A hosts file bind-mounted into a container cannot be renamed over: write it in place.
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
      const inPlace = await open(this.#path, 'w');
      try {
        await inPlace.writeFile(text);
        await inPlace.sync();
      } finally {
        await inPlace.close();
      }
    }
  }

  /** Takes the lock file beside the hosts file; a lock left by a dead process is taken over. */
  async #lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.#path}.neargate-lock`;
    for (let attempt = 0; ; attempt++) {
      try {
        const file = await open(lockPath, 'wx');
        await file.writeFile(String(this.#pid));
        await file.close();
        return () => unlink(lockPath).catch(() => {});
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(await readFile(lockPath, 'utf8').catch(() => ''));
      if (Number.isInteger(holder) && holder > 0 && !this.#isAlive(holder)) {
        await unlink(lockPath).catch(() => {});
        continue;
      }
      if (attempt > 500) throw new Error(`The hosts file lock ${lockPath} is held by process ${holder}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  #serialized(work: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => {});
    return result;
  }
}

function parseBegin(line: string): { pid: number; owner: string } | undefined {
  if (!line.startsWith(BEGIN)) return undefined;
  const m = /^pid=(\d+) (.+)$/.exec(line.slice(BEGIN.length));
  return m ? { pid: Number(m[1]), owner: m[2]! } : undefined;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
