import { readFile } from 'node:fs/promises';

const CAP_SYS_RESOURCE = 24n;

/**
 * The highest open-files limit a container can be given from this process: its own hard limit
 * when it lacks CAP_SYS_RESOURCE (runc, our descendant, cannot raise a hard limit then), or
 * undefined when there is no such ceiling. Pass it as RuntimeSpecInput.nofileCeiling.
 */
export async function readNofileCeiling(): Promise<number | undefined> {
  const [status, limits] = await Promise.all([
    readFile('/proc/self/status', 'utf8'),
    readFile('/proc/self/limits', 'utf8'),
  ]);
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (capEff !== undefined && (BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) return undefined;
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(limits)?.[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}
