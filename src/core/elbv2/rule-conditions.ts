import { isIpv4 } from '../cidr.ts';
import { validationError } from './elbv2-errors.ts';
import type { RuleCondition } from './elbv2-records.ts';

/** A condition as the API carries it (RuleCondition in the model). */
export interface WireCondition {
  Field?: string | undefined;
  Values?: string[] | undefined;
  HostHeaderConfig?: { Values?: string[] | undefined; RegexValues?: string[] | undefined } | undefined;
  PathPatternConfig?: { Values?: string[] | undefined; RegexValues?: string[] | undefined } | undefined;
  HttpHeaderConfig?:
    | {
        HttpHeaderName?: string | undefined;
        Values?: string[] | undefined;
        RegexValues?: string[] | undefined;
      }
    | undefined;
  QueryStringConfig?:
    | { Values?: { Key?: string | undefined; Value?: string | undefined }[] | undefined }
    | undefined;
  HttpRequestMethodConfig?: { Values?: string[] | undefined } | undefined;
  SourceIpConfig?: { Values?: string[] | undefined } | undefined;
  RegexValues?: string[] | undefined;
}

const FIELDS = [
  'http-header',
  'http-request-method',
  'host-header',
  'path-pattern',
  'query-string',
  'source-ip',
] as const;
type Field = (typeof FIELDS)[number];

/** The *Config member each field takes. */
const CONFIG: Record<Field, keyof WireCondition> = {
  'host-header': 'HostHeaderConfig',
  'path-pattern': 'PathPatternConfig',
  'http-header': 'HttpHeaderConfig',
  'query-string': 'QueryStringConfig',
  'http-request-method': 'HttpRequestMethodConfig',
  'source-ip': 'SourceIpConfig',
};
const CONFIGS = Object.values(CONFIG);

/** ELB's quotas: condition values per rule, and the longest value. */
export const MAX_CONDITION_VALUES = 5;
const MAX_VALUE_LENGTH = 128;
/** A rule has at most one condition of each of these fields. */
const ONCE: readonly Field[] = ['host-header', 'http-request-method', 'path-pattern', 'source-ip'];

const PATH = /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/;
const HOST = /^[A-Za-z0-9\-.*?]+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,40}$/;
const METHOD = /^[A-Z_-]{1,40}$/;
const IPV6_CIDR = /^[0-9A-Fa-f:.]+\/(\d{1,3})$/;

/**
 * Reads a rule's conditions, in either of ELB's forms (`Values` for host-header and
 * path-pattern, or the field's *Config member), checked as ELB checks them.
 */
export function parseConditions(input: readonly WireCondition[]): RuleCondition[] {
  const out = input.map(parseCondition);
  for (const field of ONCE) {
    if (out.filter((c) => c.field === field).length > 1)
      throw validationError(`A rule can only have one '${field}' condition`);
  }
  const values = out.reduce((n, c) => n + ('pairs' in c ? c.pairs.length : c.values.length), 0);
  if (values > MAX_CONDITION_VALUES)
    throw validationError(`A rule can only have '${MAX_CONDITION_VALUES}' condition values`);
  return out;
}

function parseCondition(c: WireCondition): RuleCondition {
  if (c.Field === undefined) throw validationError('A condition field must be specified');
  const field = c.Field as Field;
  if (!FIELDS.includes(field))
    throw validationError(`Condition field '${c.Field}' must be one of '[${FIELDS.join(', ')}]'`);
  const config = CONFIG[field];
  for (const other of CONFIGS)
    if (other !== config && c[other] !== undefined)
      throw validationError(`Condition field '${field}' cannot have a ${other}`);
  const cfg = c[config] as { Values?: unknown[]; RegexValues?: string[] } | undefined;
  if (c.RegexValues !== undefined || cfg?.RegexValues !== undefined)
    throw validationError('Regular expression conditions (RegexValues) are not supported by neargate');
  if (c.Values !== undefined && cfg !== undefined)
    throw validationError(`You cannot specify both Values and ${config} for the condition field '${field}'`);
  if (c.Values !== undefined && field !== 'host-header' && field !== 'path-pattern')
    throw validationError(`Condition field '${field}' takes its values in ${config}, not in Values`);
  if (field === 'query-string') {
    const pairs = (c.QueryStringConfig?.Values ?? []).map((p) => {
      if (p.Value === undefined || p.Value === '')
        throw validationError("A query string condition value must have a 'Value'");
      checkLength(p.Value);
      if (p.Key !== undefined) checkLength(p.Key);
      return { ...(p.Key !== undefined && { key: p.Key }), value: p.Value };
    });
    if (pairs.length === 0) throw noValues(field);
    return { field, pairs };
  }
  const values = (c.Values ?? (cfg?.Values as string[] | undefined) ?? []).slice();
  if (values.length === 0) throw noValues(field);
  for (const v of values) checkValue(field, v);
  if (field === 'http-header') {
    const name = c.HttpHeaderConfig?.HttpHeaderName;
    if (name === undefined || !HEADER_NAME.test(name))
      throw validationError(
        name === undefined
          ? 'An HTTP header condition must have an HttpHeaderName'
          : `HTTP header name '${name}' is not valid`,
      );
    return { field, name, values };
  }
  return { field, values };
}

const noValues = (field: string) =>
  validationError(`A condition value must be specified for the condition field '${field}'`);

function checkLength(v: string) {
  if (v.length > MAX_VALUE_LENGTH)
    throw validationError(`Condition value '${v}' cannot be longer than ${MAX_VALUE_LENGTH} characters`);
}

function checkValue(field: Field, v: string) {
  checkLength(v);
  const bad = () => validationError(`Condition value '${v}' is not valid for the condition field '${field}'`);
  switch (field) {
    case 'path-pattern':
      if (!PATH.test(v)) throw bad();
      return;
    case 'host-header': {
      const tld = v.slice(v.lastIndexOf('.') + 1);
      if (!HOST.test(v) || !v.includes('.') || !/^[A-Za-z*?]+$/.test(tld)) throw bad();
      return;
    }
    case 'http-request-method':
      if (!METHOD.test(v)) throw bad();
      return;
    case 'source-ip':
      if (!isSourceCidr(v)) throw bad();
      return;
    default:
      if (v === '') throw bad();
  }
}

function isSourceCidr(v: string): boolean {
  const slash = v.indexOf('/');
  if (slash < 0) return false;
  const bits = Number(v.slice(slash + 1));
  if (isIpv4(v.slice(0, slash))) return /^\d{1,2}$/.test(v.slice(slash + 1)) && bits <= 32;
  const m = IPV6_CIDR.exec(v);
  return m !== null && v.includes(':') && Number(m[1]) <= 128;
}

/** A condition as the API describes it: path-pattern and host-header in both forms, as ELB answers. */
export function conditionView(c: RuleCondition): WireCondition {
  switch (c.field) {
    case 'path-pattern':
      return { Field: c.field, Values: c.values, PathPatternConfig: { Values: c.values } };
    case 'host-header':
      return { Field: c.field, Values: c.values, HostHeaderConfig: { Values: c.values } };
    case 'http-request-method':
      return { Field: c.field, HttpRequestMethodConfig: { Values: c.values } };
    case 'source-ip':
      return { Field: c.field, SourceIpConfig: { Values: c.values } };
    case 'http-header':
      return { Field: c.field, HttpHeaderConfig: { HttpHeaderName: c.name, Values: c.values } };
    case 'query-string':
      return {
        Field: c.field,
        QueryStringConfig: {
          Values: c.pairs.map((p) => ({ ...(p.key !== undefined && { Key: p.key }), Value: p.value })),
        },
      };
  }
}
