/**
 * What a spawn costs a big process: `/bin/true` run from a process holding ~150 MB of JS heap,
 * forked by that process (DirectRunner) or by the spawn worker (WorkerRunner), one at a time
 * and 20 at once; with how long the event loop stalled meanwhile.
 *
 *   node --import tsx bench/spawn.ts [--runs 200]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DirectRunner } from '../src/agent/process/direct-runner.ts';
import type { ProcessRunner } from '../src/agent/process/process-runner.ts';
import { WorkerRunner } from '../src/agent/process/worker-runner.ts';
import { markdownTable, ms, percentile, record } from './results.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 200);
const PARALLEL = 20;

// Small objects, as a server's heap holds: every page of it is mapped and touched.
const ballast: string[][] = [];
while (process.memoryUsage().heapUsed < 150 * 2 ** 20) {
  ballast.push(Array.from({ length: 1_000 }, (_, i) => `entry ${ballast.length} ${i}`));
}

async function measure(runner: ProcessRunner, parallel: number) {
  const once = async () => {
    const t0 = performance.now();
    const result = await runner.run('/bin/true', []);
    if (result.exitCode !== 0) throw new Error(`/bin/true exited with ${result.exitCode}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 20; i++) await once();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const times: number[] = [];
  const t0 = performance.now();
  for (let done = 0; done < RUNS; done += parallel)
    times.push(...(await Promise.all(Array.from({ length: parallel }, once))));
  const totalMs = performance.now() - t0;
  delay.disable();
  return { times, perSecond: (RUNS / totalMs) * 1000, maxStallMs: delay.max / 1e6 };
}

const worker = new WorkerRunner();
const rows: string[][] = [];
for (const [name, runner] of [
  ['this process (DirectRunner)', new DirectRunner()],
  ['spawn worker (WorkerRunner)', worker],
] as const) {
  for (const parallel of [1, PARALLEL]) {
    const { times, perSecond, maxStallMs } = await measure(runner, parallel);
    rows.push([
      name,
      parallel === 1 ? 'one at a time' : `${parallel} at once`,
      ms(percentile(times, 50)),
      ms(percentile(times, 95)),
      perSecond.toFixed(0),
      ms(maxStallMs),
    ]);
  }
}
await worker.close();
const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
const heapMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
const body = [
  `\`/bin/true\`, ${RUNS} runs per row, from a process of ${rssMiB} MiB RSS, ${heapMiB} MiB of it JS heap.`,
  '',
  markdownTable(['forked by', 'runs', 'p50', 'p95', 'runs/s', 'longest event loop stall'], rows),
].join('\n');
await record('Spawn', `node --import tsx bench/spawn.ts --runs ${RUNS}`, body);
