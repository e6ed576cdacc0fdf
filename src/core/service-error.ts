/** How an error code is answered on the wire. */
export interface ErrorSpec {
  readonly status: number;
  readonly fault: 'client' | 'server';
}

/** Every error code a service can answer, with its status. */
export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;

/**
 * The one error type an API operation throws. The protocol layer turns it into the wire
 * shape of the service (JSON `__type` or a Query `<ErrorResponse>`).
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: string,
    message: string,
    readonly spec: ErrorSpec = { status: 400, fault: 'client' },
  ) {
    super(message);
  }
  get status(): number {
    return this.spec.status;
  }
}

/** Builds a typed constructor for one service's catalogue. */
export function errorFactory<C extends ErrorCatalogue>(catalogue: C) {
  return (code: keyof C & string, message: string): ServiceError =>
    new ServiceError(code, message, catalogue[code]);
}
