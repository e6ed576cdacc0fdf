import type { ServiceModel, Shape } from './service-model.ts';

/** Why an input does not fit its shape. `kind` tells which wire error it becomes. */
export interface InputProblem {
  /** `type`: the JSON does not deserialize (SerializationException); the rest are constraint failures. */
  kind: 'type' | 'required' | 'enum' | 'length' | 'range' | 'pattern';
  /** Where, in the member path style AWS uses: `containerDefinitions.1.name` (1-based lists). */
  path: string;
  message: string;
  /** The value that broke the constraint (null for a missing member), for messages that quote it. */
  value?: unknown;
  /** The model marks the member sensitive: messages must not quote its value. */
  sensitive?: boolean;
}

export type Validated = { ok: true; value: Record<string, unknown> } | { ok: false; problem: InputProblem };

/**
 * Checks a decoded JSON input against an operation's input shape and returns a copy holding
 * only the members the model knows (null means absent, as in AWS's deserializers). Numbers
 * are accepted where a string is expected, as Coral's JSON reader accepts them.
 */
export class InputValidator {
  /** Model patterns compiled once; a Java pattern JavaScript cannot read is not checked. */
  readonly #patterns = new Map<string, RegExp | undefined>();

  constructor(readonly model: ServiceModel) {}

  validate(operation: string, input: unknown): Validated {
    const shapeName = this.model.operations[operation]?.input?.shape;
    if (!shapeName) return { ok: true, value: {} };
    const problems: InputProblem[] = [];
    const value = walk(this.model, (p) => this.#pattern(p), shapeName, input, '', problems);
    const problem = problems[0];
    if (problem) return { ok: false, problem };
    return { ok: true, value: value as Record<string, unknown> };
  }

  #pattern(source: string): RegExp | undefined {
    if (!this.#patterns.has(source)) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(`^(?:${source})$`, 'u');
      } catch {
        re = undefined;
      }
      this.#patterns.set(source, re);
    }
    return this.#patterns.get(source);
  }
}

type PatternOf = (source: string) => RegExp | undefined;

function walk(
  model: ServiceModel,
  patternOf: PatternOf,
  shapeName: string,
  v: unknown,
  path: string,
  out: InputProblem[],
): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) throw new TypeError(`model has no shape ${shapeName}`);
  if (shape.document) return v;
  const at = path || 'input';
  const sensitive = shape.sensitive === true;
  const fail = (kind: InputProblem['kind'], message: string) => {
    out.push({ kind, path: at, message, value: v, sensitive });
    return undefined;
  };
  switch (shape.type) {
    case 'structure': {
      if (!isObject(v))
        return fail('type', `Start of ${describe(v)} found where structure ${shapeName} expected`);
      const copy: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const child = v[name];
        if (child === undefined || child === null) continue;
        copy[name] = walk(model, patternOf, ref.shape, child, path ? `${path}.${name}` : name, out);
      }
      for (const name of shape.required ?? []) {
        if (copy[name] === undefined) {
          out.push({
            kind: 'required',
            path: path ? `${path}.${name}` : name,
            message: 'Member must not be null',
            value: null,
            sensitive: model.shapes[shape.members![name]!.shape]?.sensitive === true,
          });
        }
      }
      return copy;
    }
    case 'list': {
      if (!Array.isArray(v)) return fail('type', `Start of ${describe(v)} found where list expected`);
      checkSize(shape, v.length, at, out, v);
      return v.map((item, i) => walk(model, patternOf, shape.member!.shape, item, `${at}.${i + 1}`, out));
    }
    case 'map': {
      if (!isObject(v)) return fail('type', `Start of ${describe(v)} found where map expected`);
      const copy: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        walk(model, patternOf, shape.key!.shape, k, `${at}.${k}`, out);
        copy[k] = walk(model, patternOf, shape.value!.shape, item, `${at}.${k}`, out);
      }
      checkSize(shape, Object.keys(copy).length, at, out, v);
      return copy;
    }
    case 'string': {
      const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
      if (typeof s !== 'string') return fail('type', `${token(v)} cannot be converted to String`);
      if (shape.enum && !shape.enum.includes(s)) {
        out.push({
          kind: 'enum',
          path: at,
          message: `Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
          value: s,
          sensitive,
        });
      }
      checkSize(shape, s.length, at, out, s);
      if (shape.pattern && patternOf(shape.pattern)?.test(s) === false) {
        out.push({
          kind: 'pattern',
          path: at,
          message: `Member must satisfy regular expression pattern: ${shape.pattern}`,
          value: s,
          sensitive,
        });
      }
      return s;
    }
    case 'integer':
    case 'long': {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        return fail(
          'type',
          `${token(v)} cannot be converted to ${shape.type === 'long' ? 'Long' : 'Integer'}`,
        );
      }
      checkRange(shape, v, at, out);
      return v;
    }
    case 'double':
    case 'float': {
      if (typeof v !== 'number') return fail('type', `${token(v)} cannot be converted to Double`);
      checkRange(shape, v, at, out);
      return v;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return fail('type', `${token(v)} cannot be converted to Boolean`);
      return v;
    case 'timestamp':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v) / 1000;
      return fail('type', `${token(v)} cannot be converted to Timestamp`);
    case 'blob':
      if (typeof v !== 'string') return fail('type', `${token(v)} cannot be converted to Blob`);
      return v;
  }
}

function checkSize(shape: Shape, n: number, path: string, out: InputProblem[], value: unknown) {
  const sensitive = shape.sensitive === true;
  if (shape.min !== undefined && n < shape.min) {
    out.push({
      kind: 'length',
      path,
      message: `Member must have length greater than or equal to ${shape.min}`,
      value,
      sensitive,
    });
  } else if (shape.max !== undefined && n > shape.max) {
    out.push({
      kind: 'length',
      path,
      message: `Member must have length less than or equal to ${shape.max}`,
      value,
      sensitive,
    });
  }
}

function checkRange(shape: Shape, n: number, path: string, out: InputProblem[]) {
  const sensitive = shape.sensitive === true;
  if (shape.min !== undefined && n < shape.min) {
    out.push({
      kind: 'range',
      path,
      message: `Member must have value greater than or equal to ${shape.min}`,
      value: n,
      sensitive,
    });
  } else if (shape.max !== undefined && n > shape.max) {
    out.push({
      kind: 'range',
      path,
      message: `Member must have value less than or equal to ${shape.max}`,
      value: n,
      sensitive,
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Jackson's token names, which ECS's own messages carry (`STRING_VALUE cannot be converted to Integer`). */
function token(v: unknown): string {
  if (typeof v === 'string') return 'STRING_VALUE';
  if (typeof v === 'number') return 'NUMBER_VALUE';
  if (typeof v === 'boolean') return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (Array.isArray(v)) return 'START_ARRAY';
  return 'START_OBJECT';
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object' && v !== null) return 'structure or map';
  return typeof v === 'string' ? 'string' : typeof v;
}
