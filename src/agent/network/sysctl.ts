import { readFile, writeFile } from 'node:fs/promises';

/** `net.ipv4.ip_forward` -> `/proc/sys/net/ipv4/ip_forward`. Interface names may hold dots, so take parts. */
function sysctlPath(parts: readonly string[]): string {
  for (const part of parts) {
    if (part === '' || part.includes('/') || part === '..')
      throw new TypeError(`Invalid sysctl part '${part}'`);
  }
  return `/proc/sys/${parts.join('/')}`;
}

export async function readSysctl(parts: readonly string[]): Promise<string> {
  return (await readFile(sysctlPath(parts), 'utf8')).trim();
}

/**
 * Sets a sysctl of the agent's own network namespace. Reads first and writes only on a change, so
 * an agent in a container with a read-only /proc/sys works when the host already set the value.
 */
export async function writeSysctl(parts: readonly string[], value: string): Promise<void> {
  if ((await readSysctl(parts)) === value) return;
  await writeFile(sysctlPath(parts), value);
}
