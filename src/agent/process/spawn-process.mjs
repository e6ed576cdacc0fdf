// Plain JavaScript, no dependencies: the spawn worker loads it without tsx, and DirectRunner
// imports the same code, so both runners spawn exactly alike.
import { spawn } from 'node:child_process';

const STDERR_GRACE_MS = 2_000;

/**
 * Spawns one program and collects what ProcessRunner promises: its exit, its output up to
 * `maxOutputBytes` per stream, and with `syncPipeFd` the first line of that pipe. `done`
 * rejects with Node's error (its `code` an errno name) only when the program cannot start.
 * @param {import('./spawn-process.d.mts').SpawnRequest} request
 * @param {(pid: number) => void} [onSpawn]
 * @returns {import('./spawn-process.d.mts').SpawnHandle}
 */
export function spawnProcess(request, onSpawn) {
  const { syncPipeFd, startPipeFd } = request;
  const stdio = [
    request.input === undefined ? 'ignore' : 'pipe',
    syncPipeFd === undefined ? 'pipe' : 'ignore',
    'pipe',
  ];
  for (const fd of [syncPipeFd, startPipeFd]) {
    if (fd === undefined) continue;
    while (stdio.length <= fd) stdio.push('ignore');
    stdio[fd] = 'pipe';
  }
  let child;
  try {
    child = spawn(request.file, request.args, {
      stdio,
      ...(request.cwd !== undefined && { cwd: request.cwd }),
      ...(request.env !== undefined && { env: request.env }),
      ...(request.detached && { detached: true }),
    });
  } catch (error) {
    return { done: Promise.reject(error), kill() {}, release() {} };
  }
  let spawned = false;
  let killed = false;
  const max = request.maxOutputBytes;
  const stdout = child.stdout ? collect(child.stdout, max) : () => '';
  // Null only when the spawn failed early (EMFILE), which 'error' reports.
  const stderr = child.stderr ? collect(child.stderr, max) : () => '';
  if (request.input !== undefined && child.stdin) {
    // A child that exits early closes its stdin; its exit status tells what happened.
    child.stdin.on('error', () => {});
    child.stdin.end(request.input);
  }
  const startPipe = startPipeFd === undefined ? undefined : child.stdio[startPipeFd];
  startPipe?.on('error', () => {});
  const syncPipe = syncPipeFd === undefined ? undefined : child.stdio[syncPipeFd];
  const syncLine = syncPipe ? firstLine(syncPipe) : undefined;
  const stderrClosed = new Promise((resolve) => {
    child.stderr?.once('close', resolve);
    // A daemon that kept our stderr would hold the report forever.
    setTimeout(resolve, STDERR_GRACE_MS).unref();
  });

  const done = new Promise((resolve, reject) => {
    child.once('spawn', () => {
      spawned = true;
      onSpawn?.(child.pid);
    });
    // After a spawn, 'error' can only be a failed kill of a process that is gone.
    child.once('error', (error) => {
      if (!spawned) reject(error);
    });
    const result = (exitCode, signal, line) => ({
      exitCode,
      signal,
      stdout: stdout(),
      stderr: stderr(),
      pid: child.pid,
      ...(syncLine && { syncLine: line }),
    });
    if (!syncLine) {
      child.once('close', (exitCode, signal) => resolve(result(exitCode, signal)));
      return;
    }
    // The spawned program exits once it has daemonised; its daemon may hold the pipes for long.
    child.once('exit', async (exitCode, signal) => {
      // Killed (an abort): the line only if it came already; the daemon may never write it.
      const line = killed ? await Promise.race([syncLine, null]) : await syncLine;
      // Without a line, stderr says why: it is complete once every writer is gone.
      if (line === null && !killed) await stderrClosed;
      resolve(result(exitCode, signal, line));
      syncPipe.destroy();
      child.stderr?.destroy();
    });
  });
  return {
    done,
    kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      child.kill(signal);
    },
    release() {
      startPipe?.end('0');
    },
  };
}

function collect(stream, maxBytes) {
  const chunks = [];
  let size = 0;
  stream.on('data', (chunk) => {
    if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
    size += chunk.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

// conmon writes one JSON object and a newline per message.
function firstLine(stream) {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    stream.once('close', () => resolve(text.trim() === '' ? null : text.trim()));
    stream.once('error', () => resolve(null));
  });
}
