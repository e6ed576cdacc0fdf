import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupOp } from './cgroup-plan.ts';

/** Runs the steps of a cgroup plan in order; running it again changes nothing. */
export async function applyCgroupPlan(ops: readonly CgroupOp[]): Promise<void> {
  for (const op of ops) {
    switch (op.kind) {
      case 'mkdir':
        await mkdir(op.dir, { recursive: true });
        break;
      case 'write':
        await writeCgroupFile(op.file, op.value, op.ifExists === true);
        break;
      case 'memoryLimit':
        await writeMemoryLimit(op.limitFile, op.swapFile, op.value);
        break;
      case 'inherit':
        if ((await readFile(op.file, 'utf8')).trim() === '') {
          await writeCgroupFile(op.file, (await readFile(op.from, 'utf8')).trim(), false);
        }
        break;
      case 'enable':
        await enableControllers(op.dir, op.controllers);
        break;
      default:
        op satisfies never;
    }
  }
}

// r+ rather than w: a cgroup file is never created, and a missing one is an error worth seeing.
async function writeCgroupFile(file: string, value: string, ifExists: boolean): Promise<void> {
  try {
    await writeFile(file, value, { flag: 'r+' });
  } catch (error) {
    if (ifExists && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`Cannot write "${value}" to "${file}": ${(error as Error).message}`, { cause: error });
  }
}

async function writeMemoryLimit(limitFile: string, swapFile: string, value: string): Promise<void> {
  const current = BigInt((await readFile(limitFile, 'utf8')).trim());
  // No memsw file: the kernel does not account swap, and there is no swap limit to keep in step.
  const hasSwap = await readFile(swapFile, 'utf8').then(
    () => true,
    () => false,
  );
  if (hasSwap && BigInt(value) > current) await writeCgroupFile(swapFile, value, false);
  await writeCgroupFile(limitFile, value, false);
  if (hasSwap) await writeCgroupFile(swapFile, value, false);
}

async function enableControllers(dir: string, wanted: readonly string[]): Promise<void> {
  const offered = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
  const enabled = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).trim().split(/\s+/);
  const missing = wanted.filter((name) => offered.includes(name) && !enabled.includes(name));
  if (missing.length > 0) {
    await writeCgroupFile(
      join(dir, 'cgroup.subtree_control'),
      missing.map((name) => `+${name}`).join(' '),
      false,
    );
  }
}
