import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { loadServiceModel, type ServiceModel } from '../../src/api/protocol/service-model.ts';
import { elbv2Client } from '../support/aws-clients.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

/**
 * Every operation of every Query service neargate serves, fed forms of every wrong kind: each
 * must get a 4xx with a Query error document (`<ErrorResponse>…<Code>`), never a 5xx, a crash or
 * a hang. Forms are built from the model, and operations are found by asking the server, so an
 * operation is covered the day it is served.
 */
const SERVICES = ['elbv2', 'sts'];

/** Values of every wrong kind for any member, as a form carries them (text). */
const WRONGS = [
  '',
  'x'.repeat(5000),
  '\u0000',
  '-1',
  '0',
  '1e308',
  '99999999999999999999',
  'true',
  'NaN',
  '%zz',
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0123456789abcdef',
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/0123456789abcdef',
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/x/0123456789abcdef/0123456789abcdef',
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/x/0123456789abcdef/0123456789abcdef/0123456789abcdef',
  'arn:aws:iam::000000000000:root',
  '10.0.0.0/8',
  'subnet-a',
];

let ng: TestNeargate;
/** Real resources, so one wrong member at a time meets the checks behind a valid rest of the request. */
const real = { lb: '', tg: '', listener: '', rule: '' };
before(async () => {
  ng = await startTestNeargate({ insecureAcceptAnyCredentials: true });
  const elb = elbv2Client(ng);
  const lb = (
    await elb.send(new CreateLoadBalancerCommand({ Name: 'fuzz', Subnets: ['subnet-a', 'subnet-b'] }))
  ).LoadBalancers![0]!;
  real.lb = lb.LoadBalancerArn!;
  real.tg = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: 'fuzz',
        Protocol: 'HTTP',
        Port: 80,
        TargetType: 'ip',
        VpcId: lb.VpcId!,
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  real.listener = (
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: real.lb,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: real.tg }],
      }),
    )
  ).Listeners![0]!.ListenerArn!;
  real.rule = (
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: real.listener,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', Values: ['/a'] }],
        Actions: [{ Type: 'forward', TargetGroupArn: real.tg }],
      }),
    )
  ).Rules![0]!.RuleArn!;
});
after(() => ng.stop());

/** A valid form of each ELBv2 operation that needs one, over the real resources. */
function validForm(op: string): [string, string][] {
  const forward: [string, string][] = [
    ['Actions.member.1.Type', 'forward'],
    ['Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn', real.tg],
    ['Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight', '3'],
    ['Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled', 'true'],
    ['Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds', '60'],
  ];
  const conditions: [string, string][] = [
    ['Conditions.member.1.Field', 'http-header'],
    ['Conditions.member.1.HttpHeaderConfig.HttpHeaderName', 'X-A'],
    ['Conditions.member.1.HttpHeaderConfig.Values.member.1', 'b'],
    ['Conditions.member.2.Field', 'query-string'],
    ['Conditions.member.2.QueryStringConfig.Values.member.1.Key', 'k'],
    ['Conditions.member.2.QueryStringConfig.Values.member.1.Value', 'v'],
  ];
  const forms: Record<string, [string, string][]> = {
    CreateLoadBalancer: [
      ['Name', 'fuzz'],
      ['Subnets.member.1', 'subnet-a'],
      ['Subnets.member.2', 'subnet-b'],
    ],
    CreateTargetGroup: [
      ['Name', 'fuzz'],
      ['Protocol', 'HTTP'],
      ['Port', '80'],
      ['TargetType', 'ip'],
      ['HealthCheckPath', '/h'],
      ['Matcher.HttpCode', '200-299'],
    ],
    CreateListener: [
      ['LoadBalancerArn', real.lb],
      ['Protocol', 'HTTP'],
      ['Port', '8080'],
      ...forward.map(([k, v]): [string, string] => [`Default${k}`, v]),
    ],
    ModifyListener: [
      ['ListenerArn', real.listener],
      ...forward.map(([k, v]): [string, string] => [`Default${k}`, v]),
    ],
    CreateRule: [['ListenerArn', real.listener], ['Priority', '7'], ...conditions, ...forward],
    ModifyRule: [['RuleArn', real.rule], ...conditions, ...forward],
    SetRulePriorities: [
      ['RulePriorities.member.1.RuleArn', real.rule],
      ['RulePriorities.member.1.Priority', '2'],
    ],
    RegisterTargets: [
      ['TargetGroupArn', real.tg],
      ['Targets.member.1.Id', '172.31.0.9'],
      ['Targets.member.1.Port', '8080'],
    ],
    DeregisterTargets: [
      ['TargetGroupArn', real.tg],
      ['Targets.member.1.Id', '172.31.0.9'],
    ],
    DescribeTargetHealth: [
      ['TargetGroupArn', real.tg],
      ['Targets.member.1.Id', '172.31.0.9'],
    ],
    ModifyTargetGroup: [
      ['TargetGroupArn', real.tg],
      ['HealthCheckIntervalSeconds', '20'],
      ['Matcher.HttpCode', '200'],
    ],
    ModifyTargetGroupAttributes: [
      ['TargetGroupArn', real.tg],
      ['Attributes.member.1.Key', 'deregistration_delay.timeout_seconds'],
      ['Attributes.member.1.Value', '30'],
    ],
    ModifyLoadBalancerAttributes: [
      ['LoadBalancerArn', real.lb],
      ['Attributes.member.1.Key', 'idle_timeout.timeout_seconds'],
      ['Attributes.member.1.Value', '30'],
    ],
    AddTags: [
      ['ResourceArns.member.1', real.lb],
      ['Tags.member.1.Key', 'k'],
      ['Tags.member.1.Value', 'v'],
    ],
    DescribeListeners: [['LoadBalancerArn', real.lb]],
    DescribeRules: [['ListenerArn', real.listener]],
  };
  return forms[op] ?? [];
}

for (const name of SERVICES) {
  const model: ServiceModel = loadServiceModel(name);
  const { endpointPrefix, signingName, apiVersion } = model.metadata;

  async function call(op: string, pairs: [string, string][], opts: { version?: string } = {}) {
    const now = new Date().toISOString();
    const body = new URLSearchParams([
      ['Action', op],
      ['Version', opts.version ?? apiVersion],
      ...pairs,
    ]).toString();
    const res = await fetch(ng.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-date': now.replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
        authorization: `AWS4-HMAC-SHA256 Credential=AKIA/${now.slice(0, 10).replace(/-/g, '')}/us-east-1/${signingName ?? endpointPrefix}/aws4_request, SignedHeaders=host, Signature=00`,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
  }

  /** The form keys of a member, as the Query serializers write it: lists `.member.N`, structures `.Sub`. */
  function* wrongForms(op: string): Generator<[string, string][]> {
    const input = model.operations[op]!.input;
    if (!input) return;
    const top = model.shapes[input.shape]!;
    for (const [member, ref] of Object.entries(top.members ?? {})) {
      const shape = model.shapes[ref.shape]!;
      for (const v of WRONGS) yield [[member, v]];
      if (shape.type === 'list') {
        yield [[member, '']];
        const item = model.shapes[shape.member!.shape]!;
        for (const v of WRONGS) yield [[`${member}.member.1`, v]];
        yield [
          [`${member}.member.1`, 'a'],
          [`${member}.member.1`, 'b'],
          [`${member}.member.99999999999999999999`, 'c'],
        ];
        yield Array.from({ length: 200 }, (_, i): [string, string] => [`${member}.member.${i + 1}`, `v${i}`]);
        if (item.type === 'structure') {
          for (const sub of Object.keys(item.members ?? {})) {
            for (const v of WRONGS) yield [[`${member}.member.1.${sub}`, v]];
            yield [
              [`${member}.member.1.${sub}`, 'x'],
              [`${member}.member.2.${sub}.member.1`, 'y'],
            ];
          }
        }
      }
      if (shape.type === 'structure') {
        for (const sub of Object.keys(shape.members ?? {}))
          for (const v of WRONGS) yield [[`${member}.${sub}`, v]];
      }
    }
  }

  describe(`${name}: bad Query input gets an AWS error document, never a 500`, () => {
    test('the form itself: no action, another version, unknown and malformed keys', async () => {
      const bodies: [string, [string, string][], { version?: string }][] = [
        ['', [], {}],
        ['NotAnAction', [], {}],
        [Object.keys(model.operations)[0]!, [], { version: '1999-01-01' }],
        [
          Object.keys(model.operations)[0]!,
          [
            ['...', 'x'],
            ['a..b', 'y'],
            ['.member.1', 'z'],
          ],
          {},
        ],
        [Object.keys(model.operations)[0]!, [[`${'a.'.repeat(5000)}b`, 'deep']], {}],
      ];
      for (const [op, pairs, opts] of bodies) {
        const r = await call(op, pairs, opts);
        assert.ok(r.status < 500, `${op} answered ${r.status} ${r.text}`);
        if (r.status !== 200) assert.ok(r.code, `${op}: no error code in ${r.text}`);
      }
      assert.equal((await call('NotAnAction', [])).code, 'InvalidAction');
      assert.equal((await call('', [])).code, 'MissingAction');
      const huge = await call(Object.keys(model.operations)[0]!, [['Name', 'x'.repeat(3 * 1024 * 1024)]]);
      assert.equal(huge.status, 413);
      assert.equal(huge.code, 'RequestEntityTooLarge', 'a body over the limit is answered in XML too');
    });

    test('every operation neargate has, every wrong input', async (t) => {
      let served = 0;
      for (const op of Object.keys(model.operations).sort()) {
        const probe = await call(op, []);
        assert.ok(probe.status < 500, `${op} answered ${probe.status} ${probe.text}`);
        if (probe.code === 'InvalidAction') continue;
        served++;
        await t.test(op, async () => {
          const valid = validForm(op);
          const forms = [...wrongForms(op)];
          // The same wrongs over a valid rest of the request, and each valid value made wrong in place.
          for (const form of [...forms]) {
            const members = new Set(form.map(([k]) => k.split('.')[0]));
            forms.push([...valid.filter(([k]) => !members.has(k.split('.')[0])), ...form]);
          }
          for (const [i, [key]] of valid.entries())
            for (const v of WRONGS)
              forms.push(valid.map((pair, j): [string, string] => (i === j ? [key, v] : pair)));
          for (const form of forms) {
            const r = await call(op, form);
            const what = `${op} ${JSON.stringify(form).slice(0, 120)}`;
            assert.ok(r.status < 500, `${what} answered ${r.status} ${r.text}`);
            if (r.status !== 200) {
              assert.ok(r.code, `${what}: no error code in ${r.text.slice(0, 200)}`);
              assert.match(r.text, /^<ErrorResponse/, what);
            }
          }
        });
      }
      assert.ok(served > 0, `no ${name} operation answered`);
    });
  });
}
