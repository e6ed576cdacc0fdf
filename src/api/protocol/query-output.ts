import type { MemberRef, ServiceModel, Shape } from './service-model.ts';
import { xmlAttribute, xmlText } from './xml-text.ts';

/**
 * An operation's output as an AWS Query response document:
 * `<XResponse xmlns=ns><XResult>…</XResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XResponse>`.
 * The output is read as the model shapes it: members in model order under their `locationName`,
 * lists as `<member>` items (repeated elements when flattened), maps as `<entry><key/><value/></entry>`,
 * timestamps (epoch seconds, as operations give them on every protocol) as ISO-8601 with
 * milliseconds, as AWS writes them. Members that are undefined or null are left out.
 */
export function queryResponseXml(
  model: ServiceModel,
  operation: string,
  requestId: string,
  output: object,
): string {
  const op = model.operations[operation];
  if (!op) throw new TypeError(`model has no operation ${operation}`);
  const out: string[] = [`<${operation}Response${namespace(model)}>`];
  if (op.output) {
    const wrapper = op.output.resultWrapper ?? `${operation}Result`;
    out.push(`<${wrapper}>`);
    writeMembers(model, op.output.shape, output as Record<string, unknown>, out);
    out.push(`</${wrapper}>`);
  }
  out.push(`<ResponseMetadata><RequestId>${xmlText(requestId)}</RequestId></ResponseMetadata>`);
  out.push(`</${operation}Response>`);
  return out.join('');
}

/** A Query error document: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryErrorXml(
  xmlNamespace: string | undefined,
  requestId: string,
  error: { type: 'Sender' | 'Receiver'; code: string; message: string },
): string {
  const ns = xmlNamespace ? ` xmlns="${xmlAttribute(xmlNamespace)}"` : '';
  return (
    `<ErrorResponse${ns}><Error><Type>${error.type}</Type><Code>${xmlText(error.code)}</Code>` +
    `<Message>${xmlText(error.message)}</Message></Error>` +
    `<RequestId>${xmlText(requestId)}</RequestId></ErrorResponse>`
  );
}

const namespace = (model: ServiceModel) =>
  model.metadata.xmlNamespace ? ` xmlns="${xmlAttribute(model.metadata.xmlNamespace)}"` : '';

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new TypeError(`model has no shape ${name}`);
  return shape;
}

function writeMembers(model: ServiceModel, shapeName: string, value: unknown, out: string[]) {
  const shape = shapeOf(model, shapeName);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`output for structure ${shapeName} is not an object`);
  const record = value as Record<string, unknown>;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = record[name];
    if (v === undefined || v === null) continue;
    writeMember(model, ref, ref.locationName ?? name, v, out);
  }
}

function writeMember(model: ServiceModel, ref: MemberRef, element: string, v: unknown, out: string[]) {
  const shape = shapeOf(model, ref.shape);
  const flattened = shape.flattened === true || ref.flattened === true;
  switch (shape.type) {
    case 'structure':
      out.push(`<${element}>`);
      writeMembers(model, ref.shape, v, out);
      out.push(`</${element}>`);
      return;
    case 'list': {
      if (!Array.isArray(v)) throw new TypeError(`output for list ${ref.shape} is not an array`);
      const member = shape.member!;
      if (flattened) {
        for (const item of v) writeMember(model, member, member.locationName ?? element, item, out);
        return;
      }
      if (v.length === 0) {
        out.push(`<${element}/>`);
        return;
      }
      out.push(`<${element}>`);
      for (const item of v) writeMember(model, member, member.locationName ?? 'member', item, out);
      out.push(`</${element}>`);
      return;
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v))
        throw new TypeError(`output for map ${ref.shape} is not an object`);
      const keyName = shape.key!.locationName ?? 'key';
      const valueName = shape.value!.locationName ?? 'value';
      const entry = flattened ? element : 'entry';
      if (!flattened) out.push(`<${element}>`);
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        if (item === undefined || item === null) continue;
        out.push(`<${entry}><${keyName}>${xmlText(k)}</${keyName}>`);
        writeMember(model, shape.value!, valueName, item, out);
        out.push(`</${entry}>`);
      }
      if (!flattened) out.push(`</${element}>`);
      return;
    }
    default:
      out.push(`<${element}>${xmlText(scalarText(shape, v))}</${element}>`);
  }
}

function scalarText(shape: Shape, v: unknown): string {
  switch (shape.type) {
    case 'timestamp': {
      const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v * 1000 : Date.parse(String(v));
      if (!Number.isFinite(ms)) throw new TypeError(`output timestamp ${String(v)} is not a time`);
      return new Date(ms).toISOString();
    }
    case 'boolean':
      if (typeof v !== 'boolean') throw new TypeError(`output boolean ${String(v)} is not a boolean`);
      return v ? 'true' : 'false';
    case 'blob':
      return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v);
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      if (typeof v !== 'number') throw new TypeError(`output number ${String(v)} is not a number`);
      return String(v);
    default:
      return String(v);
  }
}
