import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ECS_OPERATIONS } from '../../src/api/ecs/ecs-service.ts';
import { loadServiceModel, type ServiceModel } from '../../src/api/protocol/service-model.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

/**
 * Every ECS operation neargate has, fed inputs of every wrong kind: each must get a 4xx with an
 * AWS error type, never a 5xx, a crash or a hang. Inputs are built from the model, so a new
 * operation is covered the day it is added.
 */
describe('bad input gets an AWS error, never a 500', () => {
  let ng: TestNeargate;
  let model: ServiceModel;
  before(async () => {
    ng = await startTestNeargate({ insecureAcceptAnyCredentials: true });
    model = loadServiceModel('ecs');
  });
  after(() => ng.stop());

  async function call(op: string, body: string) {
    const res = await fetch(ng.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AmazonEC2ContainerServiceV20141113.${op}`,
        'x-amz-date': new Date()
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, ''),
        authorization: `AWS4-HMAC-SHA256 Credential=AKIA/${new Date().toISOString().slice(0, 10).replace(/-/g, '')}/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=00`,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: (await res.json()) as { __type?: string } };
  }

  /** Values of every wrong type, and some right types with wrong contents. */
  const wrongs = [
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
  ];

  /** One wrong member at a time, at the top and one level down in lists and structures. */
  function* wrongInputs(op: string): Generator<unknown> {
    const top = model.shapes[model.operations[op]!.input!.shape]!;
    for (const [member, ref] of Object.entries(top.members ?? {})) {
      for (const v of wrongs) yield { [member]: v };
      const shape = model.shapes[ref.shape]!;
      const inner = shape.type === 'list' ? model.shapes[shape.member!.shape]! : shape;
      if (inner.type !== 'structure') continue;
      for (const nested of Object.keys(inner.members ?? {})) {
        for (const v of wrongs) {
          const value = { [nested]: v };
          yield { [member]: shape.type === 'list' ? [value] : value };
        }
      }
    }
  }

  for (const op of Object.keys(ECS_OPERATIONS).sort()) {
    test(op, async () => {
      const bodies = [
        '',
        '{',
        '[]',
        '"x"',
        '{}',
        'null',
        '123',
        JSON.stringify({ nested: { deep: [1, 2, 3] } }),
      ];
      for (const input of wrongInputs(op)) bodies.push(JSON.stringify(input));
      for (const body of bodies) {
        const { status, json } = await call(op, body);
        assert.ok(
          status < 500 || (status === 200 && json),
          `${op} ${body.slice(0, 80)} answered ${status} ${JSON.stringify(json)}`,
        );
        if (status !== 200) assert.ok(json.__type, `${op} ${body.slice(0, 80)}: no __type`);
      }
    });
  }
});
