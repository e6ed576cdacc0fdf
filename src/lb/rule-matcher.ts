import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { RequestHead } from './http-request-head.ts';
import type { ConditionPlan, RulePlan } from './lb-plan.ts';
import { compileAny } from './wildcard.ts';

/** What a condition looks at: the request head and the address the connection came from. */
export type RequestTest = (head: RequestHead, sourceIp: string) => boolean;

/** A listener rule made ready for requests: its conditions compiled into one test. */
export interface CompiledRule<A> {
  readonly rule: RulePlan;
  readonly test: RequestTest;
  /** What the data plane made of the rule's terminal action. */
  readonly action: A;
}

/**
 * Compiles a listener's rules, in the order given (ascending priority, the default last). `action`
 * turns each rule's terminal action into what the caller runs.
 */
export function compileRules<A>(
  rules: readonly RulePlan[],
  action: (rule: RulePlan) => A,
): CompiledRule<A>[] {
  return rules.map((rule) => ({ rule, test: compileConditions(rule.conditions), action: action(rule) }));
}

/** The first rule whose conditions all hold (the default rule holds always), or undefined. */
export function matchRule<A>(
  rules: readonly CompiledRule<A>[],
  head: RequestHead,
  sourceIp: string,
): CompiledRule<A> | undefined {
  for (const r of rules) if (r.test(head, sourceIp)) return r;
  return undefined;
}

/** A rule's conditions, ANDed. */
export function compileConditions(conditions: readonly ConditionPlan[]): RequestTest {
  const tests = conditions.map(compileCondition);
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (head, ip) => {
    for (const t of tests) if (!t(head, ip)) return false;
    return true;
  };
}

/** One condition, its values ORed, with ELB's case rules. */
export function compileCondition(condition: ConditionPlan): RequestTest {
  switch (condition.field) {
    case 'path-pattern': {
      const m = compileAny(condition.values, { caseInsensitive: false });
      return (head) => m(head.path);
    }
    case 'host-header': {
      const m = compileAny(condition.values, { caseInsensitive: true });
      return (head) => m(head.host);
    }
    case 'http-header': {
      const name = condition.name.toLowerCase();
      const m = compileAny(condition.values, { caseInsensitive: true });
      return (head) => {
        for (let i = 0; i < head.names.length; i++)
          if (head.names[i] === name && m(head.values[i]!)) return true;
        return false;
      };
    }
    case 'http-request-method': {
      const methods = new Set(condition.values);
      return (head) => methods.has(head.method);
    }
    case 'query-string': {
      const pairs = condition.values.map((v) => ({
        key: v.key === undefined ? undefined : compileAny([v.key], { caseInsensitive: true }),
        value: compileAny([v.value], { caseInsensitive: true }),
      }));
      return (head) => {
        if (!head.hasQuery) return false;
        for (const [key, value] of queryPairs(head.query)) {
          for (const p of pairs) if ((p.key === undefined || p.key(key)) && p.value(value)) return true;
        }
        return false;
      };
    }
    case 'source-ip': {
      const list = cidrList(condition.values);
      return (_head, ip) => {
        const plain = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
        if (isIPv4(plain)) return list.check(plain, 'ipv4');
        return isIPv6(plain) && list.check(plain, 'ipv6');
      };
    }
  }
}

/** The key/value pairs of a query string as sent (not decoded); `k` alone is the key `k`, value `''`. */
export function queryPairs(query: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return out;
}

function cidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const slash = cidr.indexOf('/');
    const address = slash < 0 ? cidr : cidr.slice(0, slash);
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    if (family === undefined) throw new RangeError(`Invalid CIDR '${cidr}'`);
    const prefix = slash < 0 ? (family === 'ipv4' ? 32 : 128) : Number(cidr.slice(slash + 1));
    list.addSubnet(address, prefix, family);
  }
  return list;
}
