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
 * address as on Fargate, /etc/hostname, /etc/resolv.conf, and one empty directory per
 * bind-mount volume. resolv.conf keeps the host's search and options lines; its nameserver is
 * `nameserver` when the host runs a DNS server for tasks (as Fargate's 169.254.169.253), else the
 * host's own nameservers without the loopback ones, which a task cannot reach.
 */
export async function writeTaskFiles(
  dirs: TaskDirs,
  spec: TaskSpec,
  opts: { nameserver?: string | undefined; hostResolvConf?: string } = {},
): Promise<void> {
  const short = spec.network.hostname.split('.')[0];
  await mkdir(join(dirs.root, 'logs'), { recursive: true });
  const resolv = await readFile(opts.hostResolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => '');
  await Promise.all([
    writeFile(
      dirs.hosts,
      `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${spec.network.ipv4}\t${spec.network.hostname} ${short}\n`,
    ),
    writeFile(dirs.hostname, `${spec.network.hostname}\n`),
    writeFile(dirs.resolvConf, taskResolvConf(resolv, opts.nameserver)),
    ...spec.volumes.map((v) => mkdir(dirs.volume(v), { recursive: true })),
  ]);
}

/** A task's resolv.conf made from the host's: see writeTaskFiles. */
export function taskResolvConf(hostResolvConf: string, nameserver: string | undefined): string {
  const lines = hostResolvConf.split('\n').filter((l) => l.trim() !== '');
  const kept =
    nameserver === undefined
      ? lines.filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
      : [...lines.filter((l) => !/^\s*nameserver\s/.test(l)), `nameserver ${nameserver}`];
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}
