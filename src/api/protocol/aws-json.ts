import { protocolError } from '../../core/protocol-errors.ts';
import type { ServiceError } from '../../core/service-error.ts';
import type { HttpResponse } from './http.ts';

const contentType = (protocol: 'awsJson1_0' | 'awsJson1_1') =>
  protocol === 'awsJson1_0' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';

/** Decodes a JSON request body; an empty body is an empty input, as AWS reads it. */
export function decodeJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw protocolError('SerializationException', 'Unable to parse request body as JSON');
  }
}

export function jsonResponse(
  protocol: 'awsJson1_0' | 'awsJson1_1',
  requestId: string,
  output: object,
): HttpResponse {
  return {
    status: 200,
    headers: { 'content-type': contentType(protocol), 'x-amzn-requestid': requestId },
    body: JSON.stringify(output),
  };
}

/** The error shape of JSON services: `__type` and `message`, with the code in `x-amzn-ErrorType`. */
export function jsonError(
  protocol: 'awsJson1_0' | 'awsJson1_1',
  requestId: string,
  err: ServiceError,
): HttpResponse {
  return {
    status: err.status,
    headers: {
      'content-type': contentType(protocol),
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': err.code,
    },
    // AWS sends no message with some codes (UnknownOperationException).
    body: JSON.stringify(err.message ? { __type: err.code, message: err.message } : { __type: err.code }),
  };
}
