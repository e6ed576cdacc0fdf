/** Why a ProcessRunner could not run a program; its exit status is never one of these. */
export const ProcessErrorCode = {
  /** The program could not be started: not found, not executable, a missing cwd. */
  SpawnFailed: 'SpawnFailed',
  /** The spawn worker died or was closed while the program ran: whether it ran is unknown. */
  RunnerFailed: 'RunnerFailed',
} as const;

export type ProcessErrorCode = (typeof ProcessErrorCode)[keyof typeof ProcessErrorCode];

/** The one error of agent/process; the modules that run programs wrap it into their own. */
export class ProcessError extends Error {
  override readonly name = 'ProcessError';
  readonly code: ProcessErrorCode;
  readonly file: string;
  /** The errno code of a failed spawn (`ENOENT`, `EACCES` ...), when there is one. */
  readonly errno: string | undefined;

  constructor(code: ProcessErrorCode, message: string, file: string, errno?: string) {
    super(message);
    this.code = code;
    this.file = file;
    this.errno = errno;
  }
}
