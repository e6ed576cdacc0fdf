import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long the init of a created container may take to write its byte and exec once the fifo is open. */
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
    // Read to the end, as runc start does: init's end closes when it execs the user process (the
    // fd is close-on-exec), so the container runs its command once this returns. A stop sent
    // sooner would reach runc's init, which as pid 1 ignores SIGTERM (as the command does until
    // it sets a handler: that part is the command's own, under Docker too).
    const read = async () => {
      try {
        return (await fifo.read(byte, 0, 1, null)).bytesRead;
      } catch (error) {
        // EAGAIN: init has its end open and has not written, or not yet exec'd.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        return -1;
      }
    };
    let written = false;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const got = await read();
      if (got === 1) written = true;
      // 0 with the byte read: init's end is closed. 0 before it: init has not finished opening its end.
      else if (got === 0 && written) break;
      if (performance.now() > deadline) {
        if (written) break; // started; its exec is only slow
        return false;
      }
      // Gone, unless it wrote, exec'd and ended since the last read (a command that exits at once):
      // then its byte waits in the fifo, and it did start.
      if (!written && attempt % 16 === 15 && !(await initAlive())) {
        if ((await read()) !== 1) return false;
        written = true;
      }
      // It takes well under a millisecond.
      if (attempt < 64) await new Promise((resolve) => setImmediate(resolve));
      else await sleep(1);
    }
    await rm(path, { force: true });
    return true;
  } finally {
    await fifo.close();
  }
}
