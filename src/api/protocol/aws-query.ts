import {
  ProtocolErrors,
  QUERY_CODE_OF,
  QueryProtocolErrors,
  queryProtocolError,
} from '../../core/protocol-errors.ts';
import { ServiceError } from '../../core/service-error.ts';
import type { HttpRequest, HttpResponse } from './http.ts';
import { decodeQueryInput } from './query-input.ts';
import { queryErrorXml, queryResponseXml } from './query-output.ts';
import { credentialScope } from './sigv4.ts';
import type { Routed, WireCodec } from './wire-codec.ts';

const XML = 'text/xml';

/**
 * awsQuery: a form (`Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=web`) in
 * a POST body or a GET query, XML out. The form names no service, so the service is the one the
 * request is signed for (its SigV4 credential scope: `elasticloadbalancing`, `sts`).
 */
export const awsQueryCodec: WireCodec = {
  route(req, services) {
    const params = queryParams(req);
    const scope = params && credentialScope(req);
    if (!scope) return undefined;
    const service = services.find((s) => s.protocol === 'awsQuery' && s.signingName === scope.service);
    // A missing Action is answered by the gateway as an unknown operation: MissingAction.
    return service && { service, operation: params.get('Action') ?? '' };
  },

  unrouted(req) {
    const params = queryParams(req);
    if (!params) return undefined;
    if (!credentialScope(req))
      return queryProtocolError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    const action = params.get('Action');
    return action ? invalidAction(action) : missingAction();
  },

  decode(req, { service, operation }) {
    const params = queryParams(req)!;
    const model = service.validator.model;
    const version = params.get('Version');
    if (version !== null && version !== model.metadata.apiVersion)
      throw queryProtocolError(
        'InvalidAction',
        `Could not find operation ${operation} for version ${version}`,
      );
    const shape = model.operations[operation]?.input?.shape;
    if (!shape) return {};
    const decoded = decodeQueryInput(model, shape, params);
    if (!decoded.ok) throw service.inputError(operation, decoded.problem);
    return decoded.value;
  },

  encode(routed: Routed, requestId: string, output: object): HttpResponse {
    return {
      status: 200,
      headers: { 'content-type': XML, 'x-amzn-requestid': requestId },
      body: queryResponseXml(routed.service.validator.model, routed.operation, requestId, output),
    };
  },

  encodeError(routed: Routed | undefined, requestId: string, err: ServiceError): HttpResponse {
    const e = asQueryError(routed, err);
    return {
      status: e.status,
      headers: { 'content-type': XML, 'x-amzn-requestid': requestId },
      body: queryErrorXml(routed?.service.validator.model.metadata.xmlNamespace, requestId, {
        type: e.spec.fault === 'server' ? 'Receiver' : 'Sender',
        code: e.code,
        message: e.message,
      }),
    };
  },
};

/** The gateway's front-door errors (JSON words) in the words of Query services. */
function asQueryError(routed: Routed | undefined, err: ServiceError): ServiceError {
  if (!Object.hasOwn(ProtocolErrors, err.code) || Object.hasOwn(QueryProtocolErrors, err.code)) return err;
  const code = QUERY_CODE_OF[err.code as keyof typeof ProtocolErrors];
  if (code === 'InvalidAction') return routed?.operation ? invalidAction(routed.operation) : missingAction();
  return new ServiceError(code, err.message, QueryProtocolErrors[code]);
}

const invalidAction = (action: string) =>
  queryProtocolError('InvalidAction', `The action ${action} is not valid for this web service.`);

const missingAction = () =>
  queryProtocolError('MissingAction', 'The request is missing an action or a required parameter.');

/** A request's Query parameters (body first, then URL query), or undefined when it is not a Query request. */
function queryParams(req: HttpRequest): URLSearchParams | undefined {
  const type = req.headers['content-type'];
  const form =
    req.method === 'POST' &&
    typeof type === 'string' &&
    type.toLowerCase().startsWith('application/x-www-form-urlencoded');
  if (!form && !req.query.has('Action')) return undefined;
  const params = form ? new URLSearchParams(req.body.toString('utf8')) : new URLSearchParams();
  for (const [k, v] of req.query) if (!k.startsWith('X-Amz-')) params.append(k, v);
  return params;
}
