import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why the host tests cannot run here, or undefined when they can (root, ip, nft, busybox, nsenter). */
export function hostTestSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, bridges, nftables)';
  const path = (process.env.PATH ?? '').split(':');
  for (const tool of ['ip', 'nft', 'busybox', 'nsenter']) {
    if (!path.some((dir) => existsSync(join(dir, tool)))) return `needs '${tool}' on PATH`;
  }
  return undefined;
}

export interface RunResult {
  /** null when the process was killed, e.g. by the timeout. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never rejects for a non-zero exit, since tests assert on failures too. */
export function run(file: string, args: readonly string[], { timeoutMs = 5_000 } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command inside a named netns the way `ip netns exec` does. */
export function inNetns(netns: string, args: readonly string[], options: { timeoutMs?: number } = {}) {
  return run('ip', ['netns', 'exec', netns, ...args], options);
}

/** Runs a command that joins a netns by path, as runc makes a container join its task's netns. */
export function joinNetns(netnsPath: string, args: readonly string[], options: { timeoutMs?: number } = {}) {
  return run('nsenter', [`--net=${netnsPath}`, ...args], options);
}

/**
 * `busybox wget` of a URL from inside a netns; a dropped connection is cut short by the timeout
 * (busybox 1.35's own `-T` crashes wget).
 */
export function wgetIn(netns: string, url: string, timeoutMs = 2_000) {
  return inNetns(netns, ['busybox', 'wget', '-q', '-O', '-', url], { timeoutMs });
}

export function pingIn(netns: string, address: string) {
  return inNetns(netns, ['busybox', 'ping', '-c', '1', '-W', '1', address], { timeoutMs: 3_000 });
}

/** GET from the host (the test process's own namespace). */
export async function hostGet(url: string, timeoutMs = 2_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

/** Retries until `check` resolves true, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A web root with `index.html` and `cgi-bin/whoami`, which answers the client's address as the
 * server saw it (busybox httpd sets REMOTE_ADDR), to tell masqueraded from direct traffic.
 */
export async function makeWebRoot(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-net-test-'));
  await writeFile(join(dir, 'index.html'), text);
  await mkdir(join(dir, 'cgi-bin'));
  const whoami = join(dir, 'cgi-bin', 'whoami');
  await writeFile(whoami, '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s" "$REMOTE_ADDR"\n');
  await chmod(whoami, 0o755);
  return dir;
}

/** Background servers a test started; each is stopped by its own pid. */
export class Processes {
  readonly #children: ChildProcess[] = [];
  readonly #dirs: string[] = [];

  /** Starts `busybox httpd` in the foreground on `address` (`ip:port`) inside `netns`, or on the host. */
  async httpd(netns: string | undefined, address: string, text: string): Promise<void> {
    const dir = await makeWebRoot(text);
    this.#dirs.push(dir);
    const args = ['busybox', 'httpd', '-f', '-p', address, '-h', dir];
    this.start(netns === undefined ? args : ['ip', 'netns', 'exec', netns, ...args]);
  }

  start(args: readonly string[]): ChildProcess {
    const [file, ...rest] = args;
    if (file === undefined) throw new TypeError('Nothing to start');
    const child = spawn(file, rest, { stdio: 'ignore' });
    child.on('error', () => {});
    this.#children.push(child);
    return child;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.#children.splice(0).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Host-wide listings, to check that nothing of a prefix is left. */
export async function hostLeftovers(prefix: string, table: string): Promise<string[]> {
  const [netns, links, tables] = await Promise.all([
    run('ip', ['netns', 'list']),
    run('ip', ['-o', 'link', 'show']),
    run('nft', ['list', 'tables']),
  ]);
  const found: string[] = [];
  for (const line of netns.stdout.split('\n')) if (line.startsWith(`${prefix}-`)) found.push(`netns ${line}`);
  for (const line of links.stdout.split('\n')) {
    const name = line.split(': ')[1]?.split('@')[0];
    if (name?.startsWith(`${prefix}-`)) found.push(`link ${name}`);
  }
  for (const line of tables.stdout.split('\n'))
    if (line.trim().endsWith(` ${table}`)) found.push(line.trim());
  return found;
}
