import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadServiceModel, type ServiceModel } from '../../src/api/protocol/service-model.ts';
import { SECRETS_MANAGER_OPERATIONS } from '../../src/api/secretsmanager/secrets-manager-service.ts';
import { SSM_OPERATIONS } from '../../src/api/ssm/ssm-service.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

/**
 * Every Secrets Manager and Parameter Store operation neargate has, fed inputs of every wrong
 * kind: each must get a 4xx with an AWS error type, never a 5xx, a crash or a hang.
 */
const services = [
  { name: 'secretsmanager', target: 'secretsmanager', operations: SECRETS_MANAGER_OPERATIONS },
  { name: 'ssm', target: 'AmazonSSM', operations: SSM_OPERATIONS },
];

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

for (const service of services) {
  describe(`${service.name}: bad input gets an AWS error, never a 500`, () => {
    const model: ServiceModel = loadServiceModel(service.name);

    async function call(op: string, body: string) {
      const now = new Date().toISOString();
      const res = await fetch(ng.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `${service.target}.${op}`,
          'x-amz-date': now.replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
          authorization: `AWS4-HMAC-SHA256 Credential=AKIA/${now.slice(0, 10).replace(/-/g, '')}/us-east-1/${service.name}/aws4_request, SignedHeaders=host, Signature=00`,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: (await res.json()) as { __type?: string } };
    }

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

    for (const op of Object.keys(service.operations).sort()) {
      test(op, async () => {
        const bodies = ['', '{', '[]', '"x"', '{}', 'null', '123'];
        for (const input of wrongInputs(op)) bodies.push(JSON.stringify(input));
        for (const body of bodies) {
          const { status, json } = await call(op, body);
          assert.ok(status < 500, `${op} ${body.slice(0, 80)} answered ${status} ${JSON.stringify(json)}`);
          if (status !== 200) assert.ok(json.__type, `${op} ${body.slice(0, 80)}: no __type`);
        }
      });
    }
  });
}
