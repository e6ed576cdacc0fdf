import { protocolError } from '../../core/protocol-errors.ts';
import type { ServiceError } from '../../core/service-error.ts';
import type { ApiService } from './api-service.ts';
import type { HttpRequest, HttpResponse } from './http.ts';
import type { Routed, WireCodec } from './wire-codec.ts';

const contentType = (service: ApiService | undefined) =>
  service?.protocol === 'awsJson1_0' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';

/** awsJson 1.0 and 1.1: the operation in `X-Amz-Target` (or the query of a presigned URL), JSON both ways. */
export const awsJsonCodec: WireCodec = {
  route(req, services) {
    const target = targetOf(req);
    if (target === undefined) return undefined;
    const dot = target.lastIndexOf('.');
    const service = services.find((s) => s.targetPrefix === target.slice(0, dot));
    return service && { service, operation: target.slice(dot + 1) };
  },

  decode(req) {
    // An empty body is an empty input, as AWS reads it.
    if (req.body.length === 0) return {};
    try {
      return JSON.parse(req.body.toString('utf8'));
    } catch {
      throw protocolError('SerializationException', 'Unable to parse request body as JSON');
    }
  },

  encode(routed: Routed, requestId: string, output: object): HttpResponse {
    return {
      status: 200,
      headers: { 'content-type': contentType(routed.service), 'x-amzn-requestid': requestId },
      body: JSON.stringify(output),
    };
  },

  /** `__type` and `message`, with the code in `x-amzn-ErrorType` too. */
  encodeError(routed: Routed | undefined, requestId: string, err: ServiceError): HttpResponse {
    const service = routed?.service;
    return {
      status: err.status,
      headers: {
        'content-type': contentType(service),
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': err.code,
      },
      // AWS sends no message with some codes (UnknownOperationException).
      body: JSON.stringify(err.message ? { __type: err.code, message: err.message } : { __type: err.code }),
    };
  },
};

/** The operation a JSON request names; presigned requests carry it in the query. */
function targetOf(req: HttpRequest): string | undefined {
  const h = req.headers['x-amz-target'];
  const fromHeader = Array.isArray(h) ? h[0] : h;
  if (fromHeader !== undefined) return fromHeader;
  for (const [k, v] of req.query) if (k.toLowerCase() === 'x-amz-target') return v;
  return undefined;
}
