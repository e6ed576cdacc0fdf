/** How a program ended and what it printed. */
export interface ProcessResult {
  /** Null when the process was killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
  /** With `syncPipeFd`: the first line written to that pipe, or null if it closed without one. */
  readonly syncLine?: string | null;
}

/** conmon's start pipe: the program blocks reading it until `beforeStart` is done. */
export interface StartPipe {
  /** The child's file descriptor of the pipe (conmon: `_OCI_STARTPIPE`). */
  readonly fd: number;
  /**
   * Runs once the program is spawned, with its pid; then the pipe gets `0` and is closed. If it
   * rejects, the program is SIGKILLed and `run` rejects with its error.
   */
  readonly beforeStart: (pid: number) => Promise<void>;
}

export interface RunOptions {
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  readonly input?: string | Uint8Array;
  readonly cwd?: string;
  /** The whole environment of the program. @default the runner's own */
  readonly env?: Readonly<Record<string, string>>;
  /** Its own session and process group (conmon), so signals to ours do not reach it. @default false */
  readonly detached?: boolean;
  /** Output kept per stream; the rest is read and dropped. @default 16 MiB */
  readonly maxOutputBytes?: number;
  /** Called once the process is spawned, with its pid. */
  readonly onSpawn?: (pid: number) => void;
  /**
   * A pipe at this fd whose first line is the result's `syncLine` (conmon's `_OCI_SYNCPIPE`).
   * The run then ends once the program has exited and the line (or end of file) has come, not
   * when the children it daemonised close their output; its stdout goes to /dev/null.
   */
  readonly syncPipeFd?: number;
  readonly startPipe?: StartPipe;
  /** Kills the process (SIGKILL) and rejects with the abort reason once it is gone. */
  readonly signal?: AbortSignal;
}

/**
 * Runs programs without a shell. Every process the agent starts goes through one, so the
 * forking can happen in a small process instead of the server (see WorkerRunner).
 * Rejects with a ProcessError when the program cannot be started; a non-zero exit resolves.
 */
export interface ProcessRunner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<ProcessResult>;
}
