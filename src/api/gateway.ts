import { protocolError } from '../core/protocol-errors.ts';
import { ServiceError } from '../core/service-error.ts';
import type { Authenticator } from './auth.ts';
import type { ApiDeps, OperationContext } from './operation.ts';
import { decodeJsonBody, jsonError, jsonResponse } from './protocol/aws-json.ts';
import type { HttpRequest, HttpResponse } from './protocol/http.ts';
import type { JsonService } from './protocol/json-service.ts';

export interface GatewayOptions {
  services: readonly JsonService[];
  auth: Authenticator;
  deps: ApiDeps;
}

/**
 * The front door of every AWS API neargate speaks: finds the service and operation, checks
 * the signature, decodes and validates the input, runs the operation and encodes the answer.
 * It knows nothing of the HTTP server, so it is tested with plain request objects.
 */
export class ApiGateway {
  readonly #byTarget = new Map<string, JsonService>();

  constructor(private readonly opts: GatewayOptions) {
    for (const s of opts.services) this.#byTarget.set(s.targetPrefix, s);
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const requestId = this.opts.deps.ids.uuid();
    const target = targetOf(req);
    if (target === undefined) {
      return jsonError('awsJson1_1', requestId, protocolError('UnknownOperationException', ''));
    }
    const dot = target.lastIndexOf('.');
    const service = this.#byTarget.get(target.slice(0, dot));
    if (!service) return jsonError('awsJson1_1', requestId, protocolError('UnknownOperationException', ''));
    try {
      return jsonResponse(
        service.protocol,
        requestId,
        await this.#run(service, target.slice(dot + 1), req, requestId),
      );
    } catch (err) {
      return jsonError(service.protocol, requestId, this.#asServiceError(service, err, requestId));
    }
  }

  /** Maps errors that escape an operation; the body limit is enforced by the HTTP server. */
  errorResponse(req: HttpRequest, err: ServiceError): HttpResponse {
    const target = targetOf(req) ?? '';
    const service = this.#byTarget.get(target.slice(0, target.lastIndexOf('.')));
    return jsonError(service?.protocol ?? 'awsJson1_1', this.opts.deps.ids.uuid(), err);
  }

  async #run(service: JsonService, operation: string, req: HttpRequest, requestId: string): Promise<object> {
    const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
    if (req.method !== 'POST') throw protocolError('UnknownOperationException', '');
    const caller = await this.opts.auth.authenticate(req, service.signingName);
    if (!handler) throw protocolError('UnknownOperationException', '');
    const checked = service.validator.validate(operation, decodeJsonBody(req.body));
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

  #asServiceError(service: JsonService, err: unknown, requestId: string): ServiceError {
    if (err instanceof ServiceError) return err;
    this.opts.deps.log.error({ err, requestId }, 'operation failed');
    return service.serverError();
  }
}

/** The operation a JSON request names; presigned requests carry it in the query. */
function targetOf(req: HttpRequest): string | undefined {
  const fromHeader = header(req, 'x-amz-target');
  if (fromHeader !== undefined) return fromHeader;
  for (const [k, v] of req.query) if (k.toLowerCase() === 'x-amz-target') return v;
  return undefined;
}

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
