/** Fargate's task sizes: for each cpu value (units, 1024 = 1 vCPU), the memory values (MiB) it allows. */
const SIZES: Readonly<
  Record<number, { minMiB: number; maxMiB: number; stepMiB: number } | readonly number[]>
> = {
  256: [512, 1024, 2048],
  512: { minMiB: 1024, maxMiB: 4096, stepMiB: 1024 },
  1024: { minMiB: 2048, maxMiB: 8192, stepMiB: 1024 },
  2048: { minMiB: 4096, maxMiB: 16_384, stepMiB: 1024 },
  4096: { minMiB: 8192, maxMiB: 30_720, stepMiB: 1024 },
  8192: { minMiB: 16_384, maxMiB: 61_440, stepMiB: 4096 },
  16384: { minMiB: 32_768, maxMiB: 122_880, stepMiB: 8192 },
};

export const FARGATE_CPU_UNITS: readonly number[] = Object.keys(SIZES).map(Number);

/** Whether Fargate has a task size with this cpu and memory. */
export function isFargateSize(cpuUnits: number, memoryMiB: number): boolean {
  const allowed = SIZES[cpuUnits];
  if (allowed === undefined) return false;
  if (Array.isArray(allowed)) return allowed.includes(memoryMiB);
  const range = allowed as { minMiB: number; maxMiB: number; stepMiB: number };
  return (
    memoryMiB >= range.minMiB && memoryMiB <= range.maxMiB && (memoryMiB - range.minMiB) % range.stepMiB === 0
  );
}

/** The memory values (MiB) Fargate allows with this cpu, smallest first. */
export function fargateMemoryChoices(cpuUnits: number): number[] {
  const allowed = SIZES[cpuUnits];
  if (allowed === undefined) return [];
  if (Array.isArray(allowed)) return [...allowed];
  const { minMiB, maxMiB, stepMiB } = allowed as { minMiB: number; maxMiB: number; stepMiB: number };
  const out: number[] = [];
  for (let m = minMiB; m <= maxMiB; m += stepMiB) out.push(m);
  return out;
}

/**
 * Reads a task cpu value as ECS accepts it: CPU units (`"1024"`) or vCPUs (`"1 vCPU"`,
 * `"0.25 vcpu"`). Undefined when it is neither.
 */
export function parseCpuUnits(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? 1024 : 1);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Reads a task memory value as ECS accepts it: MiB (`"2048"`) or GB (`"2 GB"`, `"0.5GB"`). */
export function parseMemoryMiB(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? 1024 : 1);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
