import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import { Sha256 } from '../support/sigv4.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const TARGET = 'AmazonEC2ContainerServiceV20141113';

function signer(opts: { secret?: string; region?: string; service?: string } = {}) {
  return new SignatureV4({
    credentials: { accessKeyId: ng.accessKeyId, secretAccessKey: opts.secret ?? ng.secretAccessKey },
    region: opts.region ?? 'us-east-1',
    service: opts.service ?? 'ecs',
    sha256: Sha256,
  });
}

function ecsRequest(op: string, body: string, extra: Record<string, string> = {}) {
  const url = new URL(ng.url);
  return new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${TARGET}.${op}`,
      ...extra,
    },
    body,
  });
}

async function send(req: HttpRequest) {
  const qs = new URLSearchParams(req.query as Record<string, string>).toString();
  const res = await fetch(`${ng.url}${req.path}${qs ? `?${qs}` : ''}`, {
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined && { body: req.body as string }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

describe('SigV4', () => {
  test('a header signature from the reference signer is accepted', async () => {
    const res = await send((await signer().sign(ecsRequest('ListClusters', '{}'))) as HttpRequest);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.match(res.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('a presigned query is accepted, and refused once it expired', async () => {
    const req = ecsRequest('ListClusters', '{}');
    const presigned = (await signer().presign(req, { expiresIn: 60 })) as HttpRequest;
    const ok = await send(presigned);
    assert.equal(ok.status, 200, ok.text);
    const old = (await signer().presign(ecsRequest('ListClusters', '{}'), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3_600_000),
    })) as HttpRequest;
    const res = await send(old);
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'InvalidSignatureException');
    assert.match(res.json.message, /^Signature expired/);
  });

  test('a wrong secret gets InvalidSignatureException', async () => {
    const res = await send(
      (await signer({ secret: 'wrong' }).sign(ecsRequest('ListClusters', '{}'))) as HttpRequest,
    );
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'InvalidSignatureException');
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.match(res.json.message, /^The request signature we calculated does not match/);
  });

  test('a body changed after signing is refused', async () => {
    const signed = (await signer().sign(ecsRequest('CreateCluster', '{"clusterName":"a"}'))) as HttpRequest;
    signed.body = '{"clusterName":"b"}';
    assert.equal((await send(signed)).json.__type, 'InvalidSignatureException');
  });

  test('an unknown access key gets UnrecognizedClientException', async () => {
    const s = new SignatureV4({
      credentials: { accessKeyId: 'AKIANOTAKEYATALLXXXX', secretAccessKey: 'x' },
      region: 'us-east-1',
      service: 'ecs',
      sha256: Sha256,
    });
    const res = await send((await s.sign(ecsRequest('ListClusters', '{}'))) as HttpRequest);
    assert.equal(res.json.__type, 'UnrecognizedClientException');
    assert.equal(res.json.message, 'The security token included in the request is invalid.');
  });

  test('an old signature is refused with ECS clock-skew wording', async () => {
    const res = await send(
      (await signer().sign(ecsRequest('ListClusters', '{}'), {
        signingDate: new Date(Date.now() - 600_000),
      })) as HttpRequest,
    );
    assert.equal(res.json.__type, 'InvalidSignatureException');
    assert.match(
      res.json.message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });

  test('a signature for another service is refused', async () => {
    const res = await send(
      (await signer({ service: 'logs' }).sign(ecsRequest('ListClusters', '{}'))) as HttpRequest,
    );
    assert.equal(res.json.__type, 'InvalidSignatureException');
    assert.equal(res.json.message, "Credential should be scoped to correct service: 'ecs'.");
  });

  test('no signature at all gets MissingAuthenticationTokenException', async () => {
    const res = await send(ecsRequest('ListClusters', '{}'));
    assert.equal(res.json.__type, 'MissingAuthenticationTokenException');
  });

  test('a malformed Authorization header gets IncompleteSignatureException', async () => {
    const res = await send(
      ecsRequest('ListClusters', '{}', {
        authorization: 'AWS4-HMAC-SHA256 Credential=x',
        'x-amz-date': '20260101T000000Z',
      }),
    );
    assert.equal(res.json.__type, 'IncompleteSignatureException');
  });

  test('the region comes from the credential scope', async () => {
    const res = await send(
      (await signer({ region: 'ap-south-1' }).sign(
        ecsRequest('CreateCluster', '{"clusterName":"r"}'),
      )) as HttpRequest,
    );
    assert.equal(res.json.cluster.clusterArn, 'arn:aws:ecs:ap-south-1:000000000000:cluster/r');
  });
});

describe('insecure mode', () => {
  test('any well-formed signature is accepted, in the default account', async () => {
    const loose = await startTestNeargate({ insecureAcceptAnyCredentials: true });
    try {
      const client = new ECSClient({
        endpoint: loose.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'anything', secretAccessKey: 'whatever' },
      });
      const out = await client.send(new ListClustersCommand({}));
      assert.deepEqual(out.clusterArns, []);
    } finally {
      await loose.stop();
    }
  });
});

describe('the JSON protocol', () => {
  const signed = async (op: string, body: string, extra: Record<string, string> = {}) =>
    send((await signer().sign(ecsRequest(op, body, extra))) as HttpRequest);

  test('malformed JSON gets SerializationException', async () => {
    const res = await signed('ListClusters', '{"maxResults": ');
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'SerializationException');
  });

  test('a wrong member type gets SerializationException in ECS words', async () => {
    const res = await signed('ListClusters', '{"maxResults": "ten"}');
    assert.equal(res.json.__type, 'SerializationException');
    assert.equal(res.json.message, 'STRING_VALUE cannot be converted to Integer');
  });

  test('an enum value the model does not know is refused', async () => {
    const res = await signed('ListTaskDefinitions', '{"status": "SLEEPING"}');
    assert.equal(res.json.__type, 'InvalidParameterException');
  });

  test('an operation of the model that neargate does not have yet gets UnknownOperationException', async () => {
    const res = await signed('CreateCapacityProvider', '{}');
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { __type: 'UnknownOperationException' });
  });

  test('an operation that ECS does not have gets UnknownOperationException', async () => {
    assert.equal((await signed('MakeCoffee', '{}')).json.__type, 'UnknownOperationException');
  });

  test('a body over the limit gets an error, not a hang or a 500', async () => {
    const big = JSON.stringify({ clusterName: 'x'.repeat(3 * 1024 * 1024) });
    const res = await signed('CreateCluster', big);
    assert.equal(res.status, 413);
    assert.equal(res.json.__type, 'RequestEntityTooLargeException');
  });

  test('unknown members are ignored, and null means absent', async () => {
    const res = await signed('CreateCluster', '{"clusterName": "nulls", "settings": null, "surprise": 1}');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.cluster.clusterName, 'nulls');
  });

  test('GET of the endpoint is answered, not crashed', async () => {
    const res = await fetch(ng.url);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { __type: string }).__type, 'UnknownOperationException');
  });
});
