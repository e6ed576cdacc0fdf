import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';

/**
 * What became of a signal sent to a container's init without runc: `sent`; `gone`, the process
 * had ended; `unverified`, not sent, since the pid could not be shown to be the container's (no
 * pid or cgroup known, or not in that cgroup) or the signal has no name Node knows
 * (`SIGRTMIN+3`): runc is to be asked then.
 */
export type InitSignal = 'sent' | 'gone' | 'unverified';

/**
 * Sends a signal straight to a container's init, as `runc kill` does without `--all`, but without
 * a runc process: a service scaling in stops dozens of containers at once, beside tasks that are
 * starting. A pid can be reused, so it is signalled only while it is in the container's cgroup
 * (an absolute cgroupfs path, as /proc/<pid>/cgroup shows it).
 */
export async function signalInit(
  pid: number | null,
  cgroupsPath: string | null,
  signalName: string,
): Promise<InitSignal> {
  const signal = nodeSignal(signalName);
  if (pid === null || cgroupsPath === null || !cgroupsPath.startsWith('/') || signal === undefined) {
    return 'unverified';
  }
  const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return undefined;
    throw error;
  });
  if (cgroups === undefined) return 'gone';
  if (!cgroupPaths(cgroups).includes(cgroupsPath)) return 'unverified';
  try {
    process.kill(pid, signal);
    return 'sent';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    throw error;
  }
}

/** `TERM`, `SIGTERM` or `15` as process.kill takes it; undefined for a name Node does not know. */
export function nodeSignal(name: string): NodeJS.Signals | number | undefined {
  if (/^\d{1,2}$/.test(name)) return Number(name);
  const full = name.startsWith('SIG') ? name : `SIG${name}`;
  return Object.hasOwn(constants.signals, full) ? (full as NodeJS.Signals) : undefined;
}

/** The paths of /proc/<pid>/cgroup: `12:pids:/a/b` (one line per v1 hierarchy) or `0::/a/b` (v2). */
function cgroupPaths(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1));
}
