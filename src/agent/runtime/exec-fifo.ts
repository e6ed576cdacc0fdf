import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long the init of a created container may take to write its byte once the fifo is open. */
const WRITE_TIMEOUT_MS = 2_000;

/**
 * Starts a created container the way `runc start` does, without running runc (a Go process: about
 * 6 ms of every task start). `runc create` leaves the container's init blocked opening
 * `<runc root>/<id>/exec.fifo` for writing; opening it for reading lets init write one byte and
 * exec the user process, and removing it is what makes runc report the container as running
 * (runc 1.x, libcontainer's exec() and runType()). The fifo is opened without blocking, so an
 * init that died cannot hang the start.
 *
 * Returns false, having changed nothing, when there is no fifo to open or the byte never comes
 * (init gone): the caller then asks runc itself, for its own error.
 */
export async function startThroughExecFifo(
  runcRoot: string,
  id: string,
  initAlive: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<boolean> {
  const path = join(runcRoot, id, 'exec.fifo');
  let fifo: Awaited<ReturnType<typeof open>>;
  try {
    fifo = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const byte = Buffer.alloc(1);
    const deadline = performance.now() + WRITE_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let read = 0;
      try {
        ({ bytesRead: read } = await fifo.read(byte, 0, 1, null));
      } catch (error) {
        // EAGAIN: init has the fifo open and has not written yet.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      if (read === 1) break;
      // Nothing yet (0: init has not finished opening its end): it takes well under a millisecond.
      if (performance.now() > deadline || (attempt % 16 === 15 && !(await initAlive()))) return false;
      if (attempt < 64) await new Promise((resolve) => setImmediate(resolve));
      else await sleep(1);
    }
    await rm(path, { force: true });
    return true;
  } finally {
    await fifo.close();
  }
}
