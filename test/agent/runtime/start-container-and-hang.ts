// A stand-in for the server in the survival test: creates and starts one container, says so on
// stdout, then hangs until it is killed.
// Usage: node --import tsx start-container-and-hang.ts <stateDir> <id> <spec.json> <logPath> <bundleDir>
import { readFile } from 'node:fs/promises';
import { ContainerRuntime } from '../../../src/agent/runtime/container-runtime.ts';

const [stateDir, id, specFile, logPath, bundleDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const runtime = new ContainerRuntime({ stateDir });
await runtime.create(id, { bundleDir, spec: JSON.parse(await readFile(specFile, 'utf8')), logPath });
await runtime.start(id);
process.stdout.write('started\n');
setInterval(() => {}, 60_000);
