import type { InputProblem } from './input-validator.ts';
import type { MemberRef, ServiceModel, Shape } from './service-model.ts';

export type QueryDecoded =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problem: InputProblem };

/** One segment of a Query key (`Names.member.1` is three), with what was sent under it. */
interface Node {
  value?: string;
  children?: Map<string, Node>;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * Reads the flat parameters of a Query request (`Names.member.1=a`, `Tags.member.1.Key=k`,
 * `Attributes.entry.1.key=k`) into the input structure `shapeName` describes, the way AWS's
 * Query serializers write it: lists as `<name>.member.<n>` (`<name>.<n>` when flattened), maps
 * as `<name>.entry.<n>.key/value`, an empty list as `<name>=`, members under their
 * `locationName`. Scalars are read as their shape's type (numbers, booleans, ISO-8601 or epoch
 * timestamps); keys the model does not name are ignored, as AWS ignores them. Constraints
 * (required, lengths, ranges, enums) are left to the InputValidator.
 */
export function decodeQueryInput(
  model: ServiceModel,
  shapeName: string,
  params: Iterable<readonly [string, string]>,
): QueryDecoded {
  const root: Node = {};
  for (const [key, value] of params) insert(root, key, value);
  const problems: InputProblem[] = [];
  const value = readStructure(model, shapeName, root, '', problems);
  const problem = problems[0];
  return problem ? { ok: false, problem } : { ok: true, value };
}

function insert(root: Node, key: string, value: string) {
  let node = root;
  for (const part of key.split('.')) {
    node.children ??= new Map();
    let next = node.children.get(part);
    if (!next) {
      next = {};
      node.children.set(part, next);
    }
    node = next;
  }
  // The first of repeated keys counts.
  node.value ??= value;
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new TypeError(`model has no shape ${name}`);
  return shape;
}

const isFlattened = (shape: Shape, ref: MemberRef) => shape.flattened === true || ref.flattened === true;

function readStructure(
  model: ServiceModel,
  shapeName: string,
  node: Node,
  path: string,
  out: InputProblem[],
): Record<string, unknown> {
  const shape = shapeOf(model, shapeName);
  const result: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const child = memberNode(model, node, name, ref);
    if (!child) continue;
    const v = read(model, ref, child, path ? `${path}.${name}` : name, out);
    if (v !== undefined) result[name] = v;
  }
  return result;
}

/** Where a member's parameters are: under its wire name, or its items' name for a flattened list. */
function memberNode(model: ServiceModel, node: Node, name: string, ref: MemberRef): Node | undefined {
  const shape = shapeOf(model, ref.shape);
  let key = ref.locationName ?? name;
  if (shape.type === 'list' && isFlattened(shape, ref) && shape.member?.locationName)
    key = shape.member.locationName;
  return node.children?.get(key);
}

function read(model: ServiceModel, ref: MemberRef, node: Node, path: string, out: InputProblem[]): unknown {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return node.children ? readStructure(model, ref.shape, node, path, out) : undefined;
    case 'list': {
      const items = isFlattened(shape, ref)
        ? node
        : node.children?.get(shape.member!.locationName ?? 'member');
      const numbered = numberedChildren(items);
      if (numbered.length === 0) return node.value === '' ? [] : undefined;
      return numbered.map((item, i) => read(model, shape.member!, item, `${path}.${i + 1}`, out));
    }
    case 'map': {
      const entries = numberedChildren(isFlattened(shape, ref) ? node : node.children?.get('entry'));
      if (entries.length === 0) return node.value === '' ? {} : undefined;
      const map: Record<string, unknown> = {};
      for (const entry of entries) {
        const k = entry.children?.get(shape.key!.locationName ?? 'key');
        const v = entry.children?.get(shape.value!.locationName ?? 'value');
        if (k?.value === undefined) continue;
        const key = read(model, shape.key!, k, `${path}.${k.value}`, out);
        if (typeof key === 'string' && v) map[key] = read(model, shape.value!, v, `${path}.${key}`, out);
      }
      return map;
    }
    default:
      return node.value === undefined ? undefined : scalar(shape, node.value, path, out);
  }
}

/** The items of a list or map, `1`, `2`, ... in the order of their numbers. */
function numberedChildren(node: Node | undefined): Node[] {
  if (!node?.children) return [];
  return [...node.children.entries()]
    .filter(([k]) => /^[1-9]\d*$/.test(k))
    .sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
    .map(([, n]) => n);
}

function scalar(shape: Shape, text: string, path: string, out: InputProblem[]): unknown {
  const fail = (message: string) => {
    out.push({ kind: 'type', path, message, value: text, sensitive: shape.sensitive === true });
    return undefined;
  };
  switch (shape.type) {
    case 'integer':
    case 'long': {
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
      const [min, max] =
        shape.type === 'integer' ? [INT_MIN, INT_MAX] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      if (!Number.isInteger(n) || n < min || n > max)
        return fail(`Member must be ${shape.type === 'long' ? 'a long' : 'an integer'}`);
      return n;
    }
    case 'double':
    case 'float': {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      return Number.isFinite(n) ? n : fail('Member must be a number');
    }
    case 'boolean': {
      const b = text.toLowerCase();
      return b === 'true' ? true : b === 'false' ? false : fail('Member must be a boolean');
    }
    case 'timestamp': {
      if (/^[+-]?\d+(\.\d+)?$/.test(text)) return Number(text);
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? fail('Member must be a timestamp') : ms / 1000;
    }
    default:
      // Strings, and blobs, which travel as base64 text.
      return text;
  }
}
