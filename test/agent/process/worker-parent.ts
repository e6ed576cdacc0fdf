// A process that uses a WorkerRunner and then either waits to be killed (`hold`: prints the
// worker's pid) or returns without closing the runner (`idle`), to see what the worker does.
import { WorkerRunner } from '../../../src/agent/process/worker-runner.ts';

const runner = new WorkerRunner();
await runner.run('true', []);
if (process.argv[2] === 'hold') {
  process.stdout.write(`${runner.pid}\n`);
  setInterval(() => {}, 1_000);
}
