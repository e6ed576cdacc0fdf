import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { answerMetadataRequest, type MetadataDeps } from '../../../src/agent/metadata/metadata-routes.ts';
import type { RoleCredentials, TaskMetadata } from '../../../src/agent/metadata/task-metadata-source.ts';
import { runtimeId } from '../../../src/agent/runtime-id.ts';
import { container, facts, TASK_ID, task } from './fixtures.ts';

const OWN_IP = '172.31.16.9';
const OTHER_IP = '172.31.16.10';
const OTHER_ID = 'fedcba9876543210fedcba9876543210';
const CREDENTIALS_ID = '6a0c2c8e-6b0e-4c43-9f36-2a2a8e4d3b61';
const WEB = runtimeId(TASK_ID, 'web');

const CREDENTIALS: RoleCredentials = {
  roleArn: 'arn:aws:iam::111122223333:role/web',
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'token',
  expiresAtMs: Date.UTC(2025, 2, 20, 22, 41, 24, 713),
};

function deps(over: Partial<MetadataDeps['source']> = {}): MetadataDeps {
  const tasks = new Map<string, TaskMetadata>([
    [OWN_IP, task({ containers: [container(), container({ name: 'side', lastStatus: 'STOPPED' })] })],
    [OTHER_IP, task({ taskId: OTHER_ID, network: { ...task().network, ipv4: OTHER_IP } })],
  ]);
  return {
    source: {
      taskByAddress: async (ip) => tasks.get(ip),
      roleCredentials: async (ip, id) => (ip === OWN_IP && id === CREDENTIALS_ID ? CREDENTIALS : undefined),
      ...over,
    },
    host: {
      facts: async () => facts(),
      stats: async (_t, c) => (c.name === 'web' ? { id: 'stats of web' } : undefined),
    },
    log: pino({ level: 'silent' }),
  };
}

const get = (url: string, remoteAddress = OWN_IP, d = deps()) =>
  answerMetadataRequest({ method: 'GET', url, remoteAddress }, d);
const body = async (url: string, remoteAddress = OWN_IP) => JSON.parse((await get(url, remoteAddress)).body);

describe('the metadata endpoint, request by request', () => {
  it('answers a task its own container, task and stats, in v4 and v3', async () => {
    assert.equal((await body(`/v4/${WEB}`)).DockerId, WEB);
    assert.equal((await body(`/v4/${WEB}/task`)).Containers.length, 2);
    assert.deepEqual((await body(`/v4/${WEB}/taskWithTags`)).TaskTags, { team: 'web' });
    assert.deepEqual(await body(`/v4/${WEB}/stats`), { id: 'stats of web' });
    assert.deepEqual(await body(`/v4/${WEB}/task/stats`), {
      [WEB]: { id: 'stats of web' },
      [runtimeId(TASK_ID, 'side')]: null,
    });
    assert.equal((await body(`/v3/${WEB}`)).ContainerARN, undefined);
    assert.equal((await body(`/v3/${WEB}/task`)).TaskARN, task().taskArn);
    const res = await get(`/v4/${WEB}?x=1`, `::ffff:${OWN_IP}`);
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'application/json');
  });

  it("answers another task's path as ECS answers an unknown endpoint id", async () => {
    const cases: Array<[string, number, string]> = [
      [
        `/v4/${WEB}`,
        404,
        'V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID',
      ],
      [
        `/v4/${WEB}/task`,
        404,
        'V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID',
      ],
      [`/v4/${WEB}/taskWithTags`, 404, 'V4 task metadata handler: unable to get task arn'],
      [`/v4/${WEB}/stats`, 404, 'V4 container stats handler: unable to get task arn'],
      [`/v4/${WEB}/task/stats`, 404, 'V4 task stats handler: unable to get task arn'],
      [`/v3/${WEB}`, 500, 'V3 container metadata handler: unable to get container ID'],
      [`/v3/${WEB}/task`, 500, 'V3 task metadata handler: unable to get task arn'],
      [`/v3/${WEB}/stats`, 400, 'V3 container stats handler: unable to get task arn'],
      [`/v3/${WEB}/task/stats`, 400, 'V3 task stats handler: unable to get task arn'],
    ];
    for (const [path, status, words] of cases) {
      for (const caller of [OTHER_IP, '10.9.9.9']) {
        const res = await get(path, caller);
        assert.equal(res.status, status, `${path} from ${caller}`);
        const message = JSON.parse(res.body) as string;
        assert.ok(message.startsWith(words), message);
        assert.ok(message.endsWith(`: ${WEB}`), message);
      }
    }
  });

  it('answers what is no route of the endpoint as a Go mux does', async () => {
    for (const path of [
      '/',
      '/v4',
      `/v4/${WEB}/`,
      `/v3/${WEB}/taskWithTags`,
      `/v5/${WEB}`,
      '/latest/meta-data/',
    ]) {
      const res = await get(path);
      assert.deepEqual([res.status, res.body], [404, '404 page not found\n'], path);
    }
    const post = await answerMetadataRequest(
      { method: 'POST', url: `/v4/${WEB}`, remoteAddress: OWN_IP },
      deps(),
    );
    assert.equal(post.status, 405);
  });

  it('serves a task its role credentials as the ECS agent does, and nobody else', async () => {
    const res = await get(`/v2/credentials/${CREDENTIALS_ID}`);
    assert.equal(res.status, 200);
    assert.equal(
      res.body,
      JSON.stringify({
        RoleArn: CREDENTIALS.roleArn,
        AccessKeyId: CREDENTIALS.accessKeyId,
        SecretAccessKey: CREDENTIALS.secretAccessKey,
        Token: 'token',
        Expiration: '2025-03-20T22:41:24Z',
      }),
    );
    for (const [url, caller] of [
      [`/v2/credentials/${CREDENTIALS_ID}`, OTHER_IP],
      ['/v2/credentials/not-an-id', OWN_IP],
    ] as const) {
      const refused = await get(url, caller);
      assert.equal(refused.status, 400);
      assert.deepEqual(JSON.parse(refused.body), {
        code: 'InvalidIdInRequest',
        message: 'CredentialsV2Request: Credentials not found',
        HTTPErrorCode: 400,
      });
    }
    assert.deepEqual(JSON.parse((await get('/v2/credentials')).body), {
      code: 'NoIdInRequest',
      message: 'CredentialsV2Request: No Credential ID in the request',
      HTTPErrorCode: 400,
    });
  });

  it("answers a failure of the control plane with a 500 in ECS's words, never a hang", async () => {
    const broken = deps({
      taskByAddress: async () => {
        throw new Error('store down');
      },
      roleCredentials: async () => {
        throw new Error('store down');
      },
    });
    const metadata = await get(`/v4/${WEB}/task`, OWN_IP, broken);
    assert.deepEqual([metadata.status, JSON.parse(metadata.body)], [500, 'failed to get task metadata']);
    const stats = await get(`/v4/${WEB}/stats`, OWN_IP, broken);
    assert.deepEqual([stats.status, JSON.parse(stats.body)], [500, 'failed to get stats']);
    const creds = await get(`/v2/credentials/${CREDENTIALS_ID}`, OWN_IP, broken);
    assert.equal(creds.status, 500);
    assert.equal(JSON.parse(creds.body).code, 'InternalServerError');
  });
});
