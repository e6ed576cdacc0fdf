import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskSpec } from './host-agent.ts';

/** Where a task's files live on the host. */
export interface TaskDirs {
  root: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  volume(name: string): string;
  container(name: string): string;
  log(name: string): string;
}

export function taskDirs(tasksDir: string, taskId: string): TaskDirs {
  const root = join(tasksDir, taskId);
  return {
    root,
    hosts: join(root, 'hosts'),
    hostname: join(root, 'hostname'),
    resolvConf: join(root, 'resolv.conf'),
    volume: (name) => join(root, 'volumes', name),
    container: (name) => join(root, 'containers', name),
    log: (name) => join(root, 'logs', `${name}.log`),
  };
}

/**
 * Writes the files every container of the task shares: /etc/hosts naming the task's own
 * address as on Fargate, /etc/hostname, /etc/resolv.conf from the host's (without loopback
 * resolvers, which a task cannot reach), and one empty directory per bind-mount volume.
 */
export async function writeTaskFiles(
  dirs: TaskDirs,
  spec: TaskSpec,
  hostResolvConf = '/etc/resolv.conf',
): Promise<void> {
  const short = spec.network.hostname.split('.')[0];
  await mkdir(join(dirs.root, 'logs'), { recursive: true });
  const resolv = await readFile(hostResolvConf, 'utf8').catch(() => '');
  const kept = resolv
    .split('\n')
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
    .join('\n');
  await Promise.all([
    writeFile(
      dirs.hosts,
      `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${spec.network.ipv4}\t${spec.network.hostname} ${short}\n`,
    ),
    writeFile(dirs.hostname, `${spec.network.hostname}\n`),
    writeFile(dirs.resolvConf, kept.endsWith('\n') || kept === '' ? kept : `${kept}\n`),
    ...spec.volumes.map((v) => mkdir(dirs.volume(v), { recursive: true })),
  ]);
}
