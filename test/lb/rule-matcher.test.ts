import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestHead, type RequestHead } from '../../src/lb/http-request-head.ts';
import type { ConditionPlan, RulePlan } from '../../src/lb/lb-plan.ts';
import { compileCondition, compileRules, matchRule } from '../../src/lb/rule-matcher.ts';
import { compileWildcard } from '../../src/lb/wildcard.ts';

function req(line: string, ...headers: string[]): RequestHead {
  const head = parseRequestHead([line, ...headers].join('\r\n'));
  assert.ok(typeof head !== 'number', `parse failed: ${head}`);
  return head;
}

const get = (target: string, ...headers: string[]) =>
  req(`GET ${target} HTTP/1.1`, 'Host: app.example.com', ...headers);

function matches(condition: ConditionPlan, head: RequestHead, ip = '10.0.0.5'): boolean {
  return compileCondition(condition)(head, ip);
}

test('wildcards: * is any run of characters (none too), ? exactly one, the rest is literal', () => {
  const m = compileWildcard('/img/*.p?g', { caseInsensitive: false });
  assert.ok(m('/img/a.png'));
  assert.ok(m('/img/dir/a.pxg'));
  assert.ok(!m('/img/a.jpg'));
  assert.ok(m('/img/.png'));
  assert.ok(!m('/img/a.pg'));
  assert.ok(!m('/IMG/a.png'), 'case-sensitive');
  // Regular expression characters mean themselves.
  const dots = compileWildcard('a.b+(c)', { caseInsensitive: false });
  assert.ok(dots('a.b+(c)'));
  assert.ok(!dots('axb+(c)'));
  assert.ok(compileWildcard('*', { caseInsensitive: false })(''));
  assert.ok(compileWildcard('AbC', { caseInsensitive: true })('aBc'));
  assert.ok(!compileWildcard('AbC', { caseInsensitive: true })('aBcd'));
});

test('path-pattern: case-sensitive, against the path without the query', () => {
  const c: ConditionPlan = { field: 'path-pattern', values: ['/api/*', '/health'] };
  assert.ok(matches(c, get('/api/users?x=/other')));
  assert.ok(matches(c, get('/health')));
  assert.ok(matches(c, get('/health?check=1')), 'the query is not part of the path');
  assert.ok(!matches(c, get('/API/users')));
  assert.ok(!matches(c, get('/other?p=/api/x')));
});

test('host-header: case-insensitive, the port left out', () => {
  const c: ConditionPlan = { field: 'host-header', values: ['*.example.com'] };
  assert.ok(matches(c, req('GET / HTTP/1.1', 'Host: API.Example.COM:8080')));
  assert.ok(
    !matches(c, req('GET / HTTP/1.1', 'Host: example.com')),
    '*.example.com does not match example.com',
  );
  const exact: ConditionPlan = { field: 'host-header', values: ['app.example.com'] };
  assert.ok(matches(exact, get('/')));
});

test('http-header: the name and the values case-insensitive, any occurrence of the header', () => {
  const c: ConditionPlan = { field: 'http-header', name: 'User-Agent', values: ['*chrome*', '*Safari*'] };
  assert.ok(matches(c, get('/', 'user-agent: Mozilla Chrome/120')));
  assert.ok(matches(c, get('/', 'USER-AGENT: x SAFARI y')));
  assert.ok(!matches(c, get('/', 'User-Agent: curl/8')));
  assert.ok(!matches(c, get('/')), 'no such header');
  const repeated: ConditionPlan = { field: 'http-header', name: 'x-env', values: ['blue'] };
  assert.ok(matches(repeated, get('/', 'X-Env: green', 'X-Env: Blue')));
});

test('http-request-method: exact and case-sensitive', () => {
  const c: ConditionPlan = { field: 'http-request-method', values: ['POST', 'CUSTOM-METHOD'] };
  assert.ok(matches(c, req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 0')));
  assert.ok(matches(c, req('CUSTOM-METHOD / HTTP/1.1', 'Host: a')));
  assert.ok(!matches(c, req('post / HTTP/1.1', 'Host: a')));
  assert.ok(!matches(c, get('/')));
});

test('query-string: key/value pairs case-insensitive with wildcards; no key matches any key', () => {
  const c: ConditionPlan = {
    field: 'query-string',
    values: [{ key: 'version', value: 'v1' }, { value: 'example' }],
  };
  assert.ok(matches(c, get('/?version=V1')));
  assert.ok(matches(c, get('/?a=1&anything=EXAMPLE')));
  assert.ok(!matches(c, get('/?version=v2')));
  assert.ok(!matches(c, get('/')));
  assert.ok(!matches(c, get('/?v1=version')));
  const wild: ConditionPlan = { field: 'query-string', values: [{ key: 'lang', value: 'en-*' }] };
  assert.ok(matches(wild, get('/?lang=en-GB')));
  assert.ok(!matches(wild, get('/?lang=fr-FR')));
  const flag: ConditionPlan = { field: 'query-string', values: [{ key: 'debug', value: '*' }] };
  assert.ok(matches(flag, get('/?debug')), 'a key without a value has the value ""');
});

test('source-ip: CIDRs of either family, the connection address (IPv4-mapped too), not X-Forwarded-For', () => {
  const c: ConditionPlan = {
    field: 'source-ip',
    values: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.10/32'],
  };
  assert.ok(matches(c, get('/'), '192.0.2.77'));
  assert.ok(matches(c, get('/'), '::ffff:198.51.100.10'));
  assert.ok(matches(c, get('/'), '2001:db8::1'));
  assert.ok(!matches(c, get('/', 'X-Forwarded-For: 192.0.2.1'), '203.0.113.1'));
  assert.ok(!matches(c, get('/'), '198.51.100.11'));
});

test('rules: the first match by priority wins, conditions ANDed, the default rule last', () => {
  const r = (arn: string, priority: number | 'default', conditions: ConditionPlan[]): RulePlan => ({
    arn,
    priority,
    conditions,
    actions: [{ type: 'fixed-response', statusCode: '200' }],
  });
  const rules = compileRules(
    [
      r('both', 1, [
        { field: 'path-pattern', values: ['/api/*'] },
        { field: 'http-request-method', values: ['POST'] },
      ]),
      r('api', 2, [{ field: 'path-pattern', values: ['/api/*'] }]),
      r('default', 'default', []),
    ],
    (rule) => rule.arn,
  );
  const post = req('POST /api/x HTTP/1.1', 'Host: a', 'Content-Length: 0');
  assert.equal(matchRule(rules, post, '10.0.0.1')?.action, 'both');
  assert.equal(matchRule(rules, get('/api/x'), '10.0.0.1')?.action, 'api');
  assert.equal(matchRule(rules, get('/'), '10.0.0.1')?.action, 'default');
});
