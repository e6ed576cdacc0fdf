import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpRequest as SignedRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Authenticator } from '../../src/api/auth.ts';
import type { HttpRequest } from '../../src/api/protocol/http.ts';
import { currentTaskCredentials, DEFAULT_CREDENTIALS_POLICY } from '../../src/control/task-credentials.ts';
import type { Clock } from '../../src/core/clock.ts';
import { randomIds } from '../../src/core/ids.ts';
import { ServiceError } from '../../src/core/service-error.ts';
import { putAccessKey } from '../../src/store/access-keys.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { deleteTaskCredentials, getTaskCredentialsByKey } from '../../src/store/task-credentials.ts';
import type { ScopedTask } from '../../src/store/tasks.ts';
import { valueCipher } from '../../src/store/value-cipher.ts';
import { storePlaces } from '../secrets/dialects.ts';

class Sha256 {
  readonly #secret: string | Uint8Array | undefined;
  #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined || typeof secret === 'string' ? secret : bytes(secret);
    this.#h = this.#fresh();
  }
  #fresh() {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.#h.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#h.digest());
  }
  reset() {
    this.#h = this.#fresh();
  }
}
const bytes = (d: ArrayBuffer | ArrayBufferView) =>
  d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

const TASK_ID = '0123456789abcdef0123456789abcdef';
const SCOPE = { account: '111122223333', region: 'eu-west-1' };

/** A task as the store has it, with only what credentials look at. */
function taskWithRole(
  role: string | undefined,
  credentialsId = 'c0ffee00-0000-4000-8000-000000000001',
): ScopedTask {
  return {
    scope: SCOPE,
    id: TASK_ID,
    desiredStatus: 'RUNNING',
    plan: {
      taskDefinition: { family: 'web', ...(role !== undefined && { taskRoleArn: role }) },
      overrides: {},
      ...(role !== undefined && { credentialsId }),
    },
  } as unknown as ScopedTask;
}

for (const place of storePlaces('task_credentials')) {
  describe(`task role credentials, stored in ${place.dialect}`, { skip: place.skip }, () => {
    let dir: string;
    let store: Store;
    let now = Date.UTC(2025, 2, 20, 12, 0, 0);
    const clock: Clock = { now: () => now };
    const cipher = valueCipher(randomBytes(32));
    let auth: Authenticator;
    const deps = () => ({ store, cipher, ids: randomIds, clock });

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'neargate-task-credentials-'));
      const url = await place.databaseUrl();
      store = await openStore(url ? { postgresUrl: url } : { sqliteFile: join(dir, 'store.db') });
      auth = new Authenticator({
        store,
        cipher,
        clock,
        defaultAccount: '000000000000',
        acceptAnySignature: false,
      });
      await putAccessKey(
        store.db,
        {
          accessKeyId: 'AKIALONGTERMKEY00000',
          secretAccessKey: 'long/term/secret',
          account: SCOPE.account,
          principalArn: `arn:aws:iam::${SCOPE.account}:root`,
        },
        now,
      );
    });
    after(async () => {
      await store?.close();
      await place.drop();
      await rm(dir, { recursive: true, force: true });
    });

    /** An ECS request signed at the clock's time, as the SDK signs it. */
    async function signed(
      creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
      opts: { presign?: boolean } = {},
    ): Promise<HttpRequest> {
      const signer = new SignatureV4({
        credentials: creds,
        region: SCOPE.region,
        service: 'ecs',
        sha256: Sha256,
      });
      const body = '{}';
      const request = new SignedRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: '169.254.170.2',
        port: 4566,
        path: '/',
        headers: {
          host: '169.254.170.2:4566',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        },
        body,
      });
      const out = opts.presign
        ? await signer.presign(request, { signingDate: new Date(now), expiresIn: 300 })
        : await signer.sign(request, { signingDate: new Date(now) });
      const rawQuery = new URLSearchParams(out.query as Record<string, string>).toString();
      return {
        method: out.method,
        path: out.path,
        rawQuery,
        query: new URLSearchParams(rawQuery),
        headers: Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v])),
        body: Buffer.from(body),
        remoteAddress: '10.0.0.4',
      };
    }

    const refusedAs = async (req: Promise<HttpRequest>, code: string, message: string) =>
      assert.rejects(
        async () => auth.authenticate(await req, 'ecs'),
        (err: unknown) => err instanceof ServiceError && err.code === code && err.message === message,
      );

    test("a task with a role gets credentials that last 6 hours and act as the role's session", async () => {
      const creds = await currentTaskCredentials(
        deps(),
        taskWithRole('arn:aws:iam::111122223333:role/team/web'),
      );
      assert.ok(creds);
      assert.match(creds.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.equal(creds.expiresAt - now, DEFAULT_CREDENTIALS_POLICY.lifetimeMs);
      assert.equal(creds.roleArn, 'arn:aws:iam::111122223333:role/team/web');
      const caller = await auth.authenticate(await signed(creds), 'ecs');
      assert.deepEqual(caller, {
        scope: SCOPE,
        principalArn: `arn:aws:sts::111122223333:assumed-role/web/${TASK_ID}`,
      });
      // Presigned requests carry the token as X-Amz-Security-Token in the query.
      assert.equal(
        (await auth.authenticate(await signed(creds, { presign: true }), 'ecs')).scope.account,
        SCOPE.account,
      );
      // The secret and the token are encrypted in the store.
      const row = await store.db.selectFrom('task_credentials').selectAll().executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(creds.secretAccessKey));
      assert.ok(!JSON.stringify(row).includes(creds.sessionToken));
    });

    test("a role given by name is the task account's; a task without a role gets none", async () => {
      const creds = await currentTaskCredentials(
        deps(),
        taskWithRole('app', 'c0ffee00-0000-4000-8000-000000000002'),
      );
      assert.equal(creds?.roleArn, 'arn:aws:iam::111122223333:role/app');
      assert.equal(creds?.principalArn, `arn:aws:sts::111122223333:assumed-role/app/${TASK_ID}`);
      assert.equal(await currentTaskCredentials(deps(), taskWithRole(undefined)), undefined);
    });

    test("RunTask's taskRoleArn override is the role, over the definition's or without one", async () => {
      const withOverride = (role: string | undefined, credentialsId: string) => {
        const t = taskWithRole(role, credentialsId);
        return {
          ...t,
          plan: { ...t.plan, overrides: { taskRoleArn: 'override' }, credentialsId },
        } as ScopedTask;
      };
      for (const [role, id] of [
        ['arn:aws:iam::111122223333:role/web', 'c0ffee00-0000-4000-8000-000000000007'],
        [undefined, 'c0ffee00-0000-4000-8000-000000000008'],
      ] as const) {
        const creds = await currentTaskCredentials(deps(), withOverride(role, id));
        assert.equal(creds?.roleArn, 'arn:aws:iam::111122223333:role/override', `definition role ${role}`);
        const caller = await auth.authenticate(await signed(creds!), 'ecs');
        assert.equal(caller.principalArn, `arn:aws:sts::111122223333:assumed-role/override/${TASK_ID}`);
      }
    });

    test('the same set is served until its last hour, then a new one; the old one works until it expires', async () => {
      const task = taskWithRole('arn:aws:iam::111122223333:role/web', 'c0ffee00-0000-4000-8000-000000000003');
      const first = await currentTaskCredentials(deps(), task);
      now += 4 * 3_600_000;
      assert.equal((await currentTaskCredentials(deps(), task))?.accessKeyId, first?.accessKeyId);
      now += 1.5 * 3_600_000;
      const second = await currentTaskCredentials(deps(), task);
      assert.ok(first && second);
      assert.notEqual(second.accessKeyId, first.accessKeyId);
      assert.equal(second.expiresAt, now + DEFAULT_CREDENTIALS_POLICY.lifetimeMs);
      await auth.authenticate(await signed(first), 'ecs');
      now = first.expiresAt;
      await refusedAs(
        signed(first),
        'ExpiredTokenException',
        'The security token included in the request is expired',
      );
      await auth.authenticate(await signed(second), 'ecs');
    });

    test('a task being stopped keeps its current set while it lasts, and gets no new one', async () => {
      const running = taskWithRole(
        'arn:aws:iam::111122223333:role/web',
        'c0ffee00-0000-4000-8000-000000000006',
      );
      const stopping = { ...running, desiredStatus: 'STOPPED' } as ScopedTask;
      assert.equal(await currentTaskCredentials(deps(), stopping), undefined);
      const current = await currentTaskCredentials(deps(), running);
      assert.equal((await currentTaskCredentials(deps(), stopping))?.accessKeyId, current?.accessKeyId);
      now += DEFAULT_CREDENTIALS_POLICY.lifetimeMs - 60_000;
      assert.equal((await currentTaskCredentials(deps(), stopping))?.accessKeyId, current?.accessKeyId);
      now += 60_000;
      assert.equal(await currentTaskCredentials(deps(), stopping), undefined);
    });

    test('a wrong, missing or misplaced token is refused as AWS refuses it', async () => {
      const creds = await currentTaskCredentials(
        deps(),
        taskWithRole('arn:aws:iam::111122223333:role/web', 'c0ffee00-0000-4000-8000-000000000004'),
      );
      assert.ok(creds);
      const invalid = 'The security token included in the request is invalid.';
      await refusedAs(
        signed({ ...creds, sessionToken: `${creds.sessionToken}x` }),
        'UnrecognizedClientException',
        invalid,
      );
      await refusedAs(
        signed({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }),
        'UnrecognizedClientException',
        invalid,
      );
      // A session token with a long-term key is refused too.
      await refusedAs(
        signed({
          accessKeyId: 'AKIALONGTERMKEY00000',
          secretAccessKey: 'long/term/secret',
          sessionToken: creds.sessionToken,
        }),
        'UnrecognizedClientException',
        invalid,
      );
      await auth.authenticate(
        await signed({ accessKeyId: 'AKIALONGTERMKEY00000', secretAccessKey: 'long/term/secret' }),
        'ecs',
      );
      await refusedAs(
        signed({ ...creds, secretAccessKey: 'not-the-secret' }),
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    });

    test("a stopped task's credentials are revoked at once", async () => {
      const creds = await currentTaskCredentials(
        deps(),
        taskWithRole('arn:aws:iam::111122223333:role/web', 'c0ffee00-0000-4000-8000-000000000005'),
      );
      assert.ok(creds);
      await auth.authenticate(await signed(creds), 'ecs');
      assert.ok((await deleteTaskCredentials(store.db, TASK_ID)) > 0);
      assert.equal(await getTaskCredentialsByKey(store.db, cipher, creds.accessKeyId), undefined);
      await refusedAs(
        signed(creds),
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    });
  });
}
