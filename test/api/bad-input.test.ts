import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadServiceModel, type ServiceModel } from '../../src/api/protocol/service-model.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

/**
 * Every operation of every JSON service neargate serves, fed inputs of every wrong kind: each
 * must get a 4xx with an AWS error type, never a 5xx, a crash or a hang. Inputs are built from
 * the model, and operations are found by asking the server, so a new operation or service is
 * covered the day it is added to this list or to the server.
 */
const SERVICES = ['ecs', 'ecr', 'secretsmanager', 'ssm', 'logs'];

/** Values of every wrong type, and some right types with wrong contents. */
const WRONGS = [
  null,
  0,
  -1,
  1e308,
  'x'.repeat(5000),
  '',
  true,
  [],
  [{}],
  {},
  { a: 1 },
  '\u0000',
  'arn:aws:ecs:us-east-1:000000000000:cluster/x',
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
  'arn:aws:ssm:us-east-1:000000000000:parameter/x:',
  '/a/b:',
  'a:b:c',
];

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate({ insecureAcceptAnyCredentials: true });
});
after(() => ng.stop());

for (const name of SERVICES) {
  const model: ServiceModel = loadServiceModel(name);
  const { targetPrefix, jsonVersion, signingName, endpointPrefix } = model.metadata;

  async function call(op: string, body: string) {
    const now = new Date().toISOString();
    const res = await fetch(ng.url, {
      method: 'POST',
      headers: {
        'content-type': `application/x-amz-json-${jsonVersion}`,
        'x-amz-target': `${targetPrefix}.${op}`,
        'x-amz-date': now.replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
        authorization: `AWS4-HMAC-SHA256 Credential=AKIA/${now.slice(0, 10).replace(/-/g, '')}/us-east-1/${signingName ?? endpointPrefix}/aws4_request, SignedHeaders=host, Signature=00`,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: (await res.json()) as { __type?: string } };
  }

  /** One wrong member at a time, at the top and one level down in lists and structures. */
  function* wrongInputs(op: string): Generator<unknown> {
    const input = model.operations[op]!.input;
    if (!input) return;
    const top = model.shapes[input.shape]!;
    for (const [member, ref] of Object.entries(top.members ?? {})) {
      for (const v of WRONGS) yield { [member]: v };
      const shape = model.shapes[ref.shape]!;
      const inner = shape.type === 'list' ? model.shapes[shape.member!.shape]! : shape;
      if (inner.type !== 'structure') continue;
      for (const nested of Object.keys(inner.members ?? {})) {
        for (const v of WRONGS) {
          const value = { [nested]: v };
          yield { [member]: shape.type === 'list' ? [value] : value };
        }
      }
    }
  }

  describe(`${name}: bad input gets an AWS error, never a 500`, () => {
    test('every operation neargate has, every wrong input', async (t) => {
      let served = 0;
      for (const op of Object.keys(model.operations).sort()) {
        const probe = await call(op, '{}');
        assert.ok(probe.status < 500, `${op} {} answered ${probe.status} ${JSON.stringify(probe.json)}`);
        if (probe.json.__type?.endsWith('UnknownOperationException')) continue;
        served++;
        await t.test(op, async () => {
          const bodies = [
            '',
            '{',
            '[]',
            '"x"',
            'null',
            '123',
            JSON.stringify({ nested: { deep: [1, 2, 3] } }),
          ];
          for (const input of wrongInputs(op)) bodies.push(JSON.stringify(input));
          for (const body of bodies) {
            const { status, json } = await call(op, body);
            assert.ok(status < 500, `${op} ${body.slice(0, 80)} answered ${status} ${JSON.stringify(json)}`);
            if (status !== 200) assert.ok(json.__type, `${op} ${body.slice(0, 80)}: no __type`);
          }
        });
      }
      assert.ok(served > 0, `no ${name} operation answered`);
    });
  });
}
