import { join } from 'node:path';

/**
 * Where the container runtime keeps its state, all of it on disk so that a new process finds
 * what an old one left:
 *
 * ```
 * <stateDir>/runc/                   runc --root (runc's own state, one dir per container)
 * <stateDir>/exits/<id>              exit status, written by conmon when the container ends (watched)
 * <stateDir>/containers/<id>/        bundle for runc and persist dir + cwd for conmon
 *   config.json                      the OCI spec (root.path absolute)
 *   container.json                   what create() was given: createdAt, logPath, stopSignal ...
 *   conmon.pid, pid                  conmon's pid, the container init's host pid
 *   started                          startedAt, written by start()
 *   exit, oom                        conmon's copies of the exit status, its OOM notice
 *   oom-killed                       the cgroup's oom_kill count, kept once the container ended
 *   attach, ctl, winsz               conmon's attach socket and fifos (unused)
 * ```
 */
export interface StateLayout {
  readonly runcRoot: string;
  readonly exitsDir: string;
  readonly containersDir: string;
  containerDir(id: string): string;
  exitFile(id: string): string;
  file(id: string, name: ContainerFile): string;
}

export type ContainerFile =
  | 'config.json'
  | 'container.json'
  | 'conmon.pid'
  | 'pid'
  | 'started'
  | 'exit'
  | 'oom'
  | 'oom-killed';

export function stateLayout(stateDir: string): StateLayout {
  const containersDir = join(stateDir, 'containers');
  const exitsDir = join(stateDir, 'exits');
  return {
    runcRoot: join(stateDir, 'runc'),
    exitsDir,
    containersDir,
    containerDir: (id) => join(containersDir, id),
    exitFile: (id) => join(exitsDir, id),
    file: (id, name) => join(containersDir, id, name),
  };
}
