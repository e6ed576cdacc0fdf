import type { ServiceError } from '../../core/service-error.ts';
import type { ApiService } from './api-service.ts';
import type { HttpRequest, HttpResponse } from './http.ts';

/** A request a codec recognised: the service and operation it is for. */
export interface Routed {
  service: ApiService;
  operation: string;
}

/**
 * One wire protocol (awsJson 1.0/1.1, awsQuery): how a request shows its service and operation,
 * how its input is read, how answers are written.
 */
export interface WireCodec {
  /** The service and operation of a request, or undefined when the request is not in this protocol. */
  route(req: HttpRequest, services: readonly ApiService[]): Routed | undefined;
  /**
   * For a request `route` found no service for: the error to answer in this protocol when the
   * request is in it (a Query form signed for a service not served here), else undefined.
   */
  unrouted?(req: HttpRequest): ServiceError | undefined;
  /** The operation's input as the model shapes it; throws the service's ServiceError when it cannot be read. */
  decode(req: HttpRequest, routed: Routed): unknown;
  encode(routed: Routed, requestId: string, output: object): HttpResponse;
  /** `routed` is undefined when the request named no service this codec knows. */
  encodeError(routed: Routed | undefined, requestId: string, err: ServiceError): HttpResponse;
}
