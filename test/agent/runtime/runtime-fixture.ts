import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCgroupMounts } from '../../../src/agent/cgroups/cgroup-mounts.ts';
import { removeCgroup } from '../../../src/agent/cgroups/remove-cgroup.ts';
import {
  type ContainerInfo,
  ContainerRuntime,
  type ContainerStatus,
} from '../../../src/agent/runtime/container-runtime.ts';
import { readNofileCeiling } from '../../../src/agent/runtime/read-nofile-ceiling.ts';
import { readUserDatabase } from '../../../src/agent/runtime/read-user-database.ts';
import { buildRuntimeSpec, type RuntimeSpecInput } from '../../../src/agent/runtime/runtime-spec.ts';

const APPLETS = [
  'sh',
  'sleep',
  'echo',
  'cat',
  'head',
  'dd',
  'id',
  'pwd',
  'touch',
  'grep',
  'tr',
  'ls',
  'true',
  'false',
  'env',
  'mkdir',
  'wc',
  'tail',
  'kill',
  'ps',
  'hostname',
  'seq',
  'yes',
  'rm',
];

/** A plain busybox rootfs: /bin with busybox and its applets, /etc/passwd and /etc/group with `app`. */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp', 'home/app', 'proc', 'sys', 'dev']) {
    await mkdir(join(rootfs, sub), { recursive: true });
  }
  await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
  for (const applet of APPLETS) await symlink('busybox', join(rootfs, 'bin', applet));
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:1000:\nstaff:x:50:app\nvideo:x:44:app,root\n');
  return rootfs;
}

/**
 * A runtime on a fresh state dir, a busybox rootfs, and a cgroup parent of its own
 * (`/ngtest-rt-<name>-<random>`), all removed by cleanup() whatever the tests left.
 */
export class RuntimeFixture {
  readonly dir: string;
  readonly rootfs: string;
  readonly runtime: ContainerRuntime;
  readonly cgroupParent: string;
  readonly #ids = new Set<string>();

  private constructor(dir: string, rootfs: string, cgroupParent: string) {
    this.dir = dir;
    this.rootfs = rootfs;
    this.cgroupParent = cgroupParent;
    this.runtime = new ContainerRuntime({ stateDir: join(dir, 'state') });
  }

  static async create(name: string): Promise<RuntimeFixture> {
    const dir = await mkdtemp(join(tmpdir(), `ngtest-rt-${name}-`));
    const rootfs = await makeBusyboxRootfs(dir);
    return new RuntimeFixture(dir, rootfs, `/ngtest-rt-${name}-${dir.slice(-6)}`);
  }

  /** A container id that cleanup() removes; unique per fixture. */
  id(name: string): string {
    const id = `ngtest-rt-${this.dir.slice(-6)}-${name}`;
    this.#ids.add(id);
    return id;
  }

  logPath(id: string): string {
    return join(this.dir, 'logs', `${id}.log`);
  }

  async spec(id: string, input: Partial<RuntimeSpecInput> & Pick<RuntimeSpecInput, 'args'>) {
    const nofileCeiling = await readNofileCeiling();
    return buildRuntimeSpec({
      rootfsPath: this.rootfs,
      ...(nofileCeiling === undefined ? {} : { nofileCeiling }),
      cgroupsPath: `${this.cgroupParent}/${id}`,
      userDatabase: await readUserDatabase(this.rootfs),
      ...input,
    });
  }

  /** Creates and starts a container; resolves with its id. */
  async run(
    name: string,
    input: Partial<RuntimeSpecInput> & Pick<RuntimeSpecInput, 'args'>,
    stopSignal?: string,
  ) {
    const id = this.id(name);
    await this.runtime.create(id, {
      bundleDir: this.dir,
      spec: await this.spec(id, input),
      logPath: this.logPath(id),
      ...(stopSignal ? { stopSignal } : {}),
    });
    await this.runtime.start(id);
    return id;
  }

  async waitFor(id: string, status: ContainerStatus, timeoutMs = 10_000): Promise<ContainerInfo> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const info = await this.runtime.inspect(id);
      if (info.status === status) return info;
      if (performance.now() > deadline)
        throw new Error(`${id} is ${info.status}, not ${status}, after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /**
   * The container's log lines (k8s-file), one entry per line: `stdout hello`. conmon writes a
   * line it got in pieces as partial (`P`) records ended by a full (`F`) one; they are joined.
   */
  async logLines(id: string): Promise<string[]> {
    const text = await readFile(this.logPath(id), 'utf8').catch(() => '');
    const lines: string[] = [];
    const partial = new Map<string, string>();
    for (const record of text.split('\n').filter(Boolean)) {
      const [, stream = '', tag, ...rest] = record.split(' ');
      const content = (partial.get(stream) ?? '') + rest.join(' ');
      if (tag === 'P') {
        partial.set(stream, content);
      } else {
        partial.delete(stream);
        lines.push(`${stream} ${content}`);
      }
    }
    return lines;
  }

  async cleanup(): Promise<void> {
    for (const id of this.#ids) await this.runtime.remove(id).catch(() => {});
    await removeCgroup(await readCgroupMounts(), this.cgroupParent).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
