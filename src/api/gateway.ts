import { protocolError } from '../core/protocol-errors.ts';
import { ServiceError } from '../core/service-error.ts';
import type { Authenticator } from './auth.ts';
import type { ApiDeps, OperationContext } from './operation.ts';
import type { ApiService } from './protocol/api-service.ts';
import { awsJsonCodec } from './protocol/aws-json.ts';
import { awsQueryCodec } from './protocol/aws-query.ts';
import type { HttpRequest, HttpResponse } from './protocol/http.ts';
import type { Routed, WireCodec } from './protocol/wire-codec.ts';

export interface GatewayOptions {
  services: readonly ApiService[];
  auth: Authenticator;
  deps: ApiDeps;
  /** The protocols spoken, tried in order. @default [awsJsonCodec, awsQueryCodec] */
  codecs?: readonly WireCodec[];
}

/**
 * The front door of every AWS API neargate speaks: a codec finds the service and operation,
 * then the gateway checks the signature, validates the input against the service model, runs
 * the operation and has the codec write the answer. It knows nothing of the HTTP server, so it
 * is tested with plain request objects.
 */
export class ApiGateway {
  readonly #codecs: readonly WireCodec[];

  constructor(private readonly opts: GatewayOptions) {
    this.#codecs = opts.codecs ?? [awsJsonCodec, awsQueryCodec];
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const requestId = this.opts.deps.ids.uuid();
    const { codec, routed, unrouted } = this.#route(req);
    if (!routed) return codec.encodeError(undefined, requestId, unrouted);
    try {
      return codec.encode(routed, requestId, await this.#run(codec, routed, req, requestId));
    } catch (err) {
      return codec.encodeError(routed, requestId, this.#asServiceError(routed.service, err, requestId));
    }
  }

  /** Answers errors raised before the gateway ran, such as the HTTP server's body limit. */
  errorResponse(req: HttpRequest, err: ServiceError): HttpResponse {
    const { codec, routed } = this.#route(req);
    return codec.encodeError(routed, this.opts.deps.ids.uuid(), err);
  }

  #route(
    req: HttpRequest,
  ):
    | { codec: WireCodec; routed: Routed; unrouted?: never }
    | { codec: WireCodec; routed: undefined; unrouted: ServiceError } {
    for (const codec of this.#codecs) {
      const routed = codec.route(req, this.opts.services);
      if (routed) return { codec, routed };
    }
    // No service: answer in the protocol the request speaks, JSON when it speaks none we know.
    for (const codec of this.#codecs) {
      const unrouted = codec.unrouted?.(req);
      if (unrouted) return { codec, routed: undefined, unrouted };
    }
    return {
      codec: this.#codecs[0]!,
      routed: undefined,
      unrouted: protocolError('UnknownOperationException', ''),
    };
  }

  async #run(
    codec: WireCodec,
    { service, operation }: Routed,
    req: HttpRequest,
    requestId: string,
  ): Promise<object> {
    const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
    if (req.method !== 'POST' && service.protocol !== 'awsQuery')
      throw protocolError('UnknownOperationException', '');
    const caller = await this.opts.auth.authenticate(req, service.signingName);
    if (!handler) throw protocolError('UnknownOperationException', '');
    const checked = service.validator.validate(operation, codec.decode(req, { service, operation }));
    if (!checked.ok) {
      if (checked.problem.kind === 'type')
        throw protocolError('SerializationException', checked.problem.message);
      throw service.inputError(operation, checked.problem);
    }
    const ctx: OperationContext = {
      scope: caller.scope,
      principalArn: caller.principalArn,
      requestId,
      now: this.opts.deps.clock.now(),
      deps: this.opts.deps,
    };
    return handler(ctx, checked.value);
  }

  #asServiceError(service: ApiService, err: unknown, requestId: string): ServiceError {
    if (err instanceof ServiceError) return err;
    this.opts.deps.log.error({ err, requestId }, 'operation failed');
    return service.serverError();
  }
}
