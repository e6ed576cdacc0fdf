import type { ServiceError } from '../../core/service-error.ts';
import type { ApiService } from './api-service.ts';
import type { HttpRequest, HttpResponse } from './http.ts';

/** A request a codec recognised: the service and operation it is for. */
export interface Routed {
  service: ApiService;
  operation: string;
}

/**
 * One wire protocol (awsJson 1.0/1.1 now; awsQuery for ELBv2 and CloudWatch slots in beside it):
 * how a request shows its service and operation, how its input is read, how answers are written.
 */
export interface WireCodec {
  /** The service and operation of a request, or undefined when the request is not in this protocol. */
  route(req: HttpRequest, services: readonly ApiService[]): Routed | undefined;
  decode(req: HttpRequest): unknown;
  encode(routed: Routed, requestId: string, output: object): HttpResponse;
  /** `service` is undefined when the request named none this codec knows. */
  encodeError(service: ApiService | undefined, requestId: string, err: ServiceError): HttpResponse;
}
