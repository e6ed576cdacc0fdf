/** What went wrong, for the caller to branch on (the task reconciler turns them into stoppedReasons). */
export const RuntimeErrorCode = {
  /** No container with that id on this host. */
  ContainerNotFound: 'ContainerNotFound',
  /** The container exists but does not run (exec, stats). */
  ContainerNotRunning: 'ContainerNotRunning',
  /** A container with that id exists already. */
  ContainerExists: 'ContainerExists',
  /** The container's configuration cannot run with its image (unknown user or group ...). */
  InvalidContainerConfig: 'InvalidContainerConfig',
  /** `runc create` (under conmon) failed; the message is runc's. */
  CreateFailed: 'CreateFailed',
  /** A runc command failed; the message is runc's. */
  RuncFailed: 'RuncFailed',
  /** conmon could not be started or did not report. */
  ConmonFailed: 'ConmonFailed',
} as const;
export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];

/** The one error type of the container runtime: a code, a message, and the container it concerns. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;
  readonly containerId: string | undefined;

  constructor(
    code: RuntimeErrorCode,
    message: string,
    options: { containerId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.containerId = options.containerId;
  }
}
