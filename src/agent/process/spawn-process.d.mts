/** What spawnProcess runs; the JSON the spawn worker receives, less its id. */
export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly detached?: boolean;
  readonly input?: string | Uint8Array;
  readonly maxOutputBytes: number;
  readonly syncPipeFd?: number;
  readonly startPipeFd?: number;
}

export interface SpawnResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
  readonly syncLine?: string | null;
}

export interface SpawnHandle {
  /** Rejects with Node's spawn error only when the program could not start. */
  readonly done: Promise<SpawnResult>;
  /** Signals the program unless it has exited. */
  kill(signal: NodeJS.Signals): void;
  /** Writes `0` to the start pipe and closes it. */
  release(): void;
}

export function spawnProcess(request: SpawnRequest, onSpawn?: (pid: number) => void): SpawnHandle;
