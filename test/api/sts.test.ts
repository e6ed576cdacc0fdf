import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpRequest } from '@smithy/protocol-http';
import { aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';
import { testSigner } from '../support/sigv4.ts';

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

/** A Query request to STS, as a GET with the form in its query (the Query protocol allows both). */
function stsGet(query: Record<string, string>) {
  const url = new URL(ng.url);
  return new HttpRequest({
    method: 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query,
    headers: { host: url.host },
  });
}

async function send(req: HttpRequest) {
  const qs = new URLSearchParams(req.query as Record<string, string>).toString();
  const res = await fetch(`${ng.url}${req.path}?${qs}`, { method: req.method, headers: req.headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('STS, the second Query service', () => {
  test('aws sts get-caller-identity names the key owner: the account root', async () => {
    const r = await aws(ng.env, ['sts', 'get-caller-identity']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, {
      UserId: '000000000000',
      Account: '000000000000',
      Arn: 'arn:aws:iam::000000000000:root',
    });
  });

  test('the CLI parses Query errors: a wrong secret, an unknown key, an operation neargate does not have', async () => {
    const badSecret = await aws({ ...ng.env, AWS_SECRET_ACCESS_KEY: 'wrong' }, [
      'sts',
      'get-caller-identity',
    ]);
    assert.notEqual(badSecret.code, 0);
    assert.match(
      badSecret.stderr,
      /\(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: The request signature we calculated does not match/,
    );
    const unknownKey = await aws({ ...ng.env, AWS_ACCESS_KEY_ID: 'AKIANOTAKEYATALLXXXX' }, [
      'sts',
      'get-caller-identity',
    ]);
    assert.match(
      unknownKey.stderr,
      /\(InvalidClientTokenId\) .*: The security token included in the request is invalid\./,
    );
    const missing = await aws(ng.env, ['sts', 'get-session-token']);
    assert.match(
      missing.stderr,
      /\(InvalidAction\) .*: The action GetSessionToken is not valid for this web service\./,
    );
  });

  test('a signed GET and a presigned GET are answered in XML', async () => {
    const query = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
    const signed = await send((await testSigner(ng, { service: 'sts' }).sign(stsGet(query))) as HttpRequest);
    assert.equal(signed.status, 200, signed.text);
    assert.equal(signed.type, 'text/xml');
    assert.match(
      signed.text,
      /^<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><UserId>000000000000<\/UserId><Account>000000000000<\/Account><Arn>arn:aws:iam::000000000000:root<\/Arn><\/GetCallerIdentityResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetCallerIdentityResponse>$/,
    );
    const presigned = await send(
      (await testSigner(ng, { service: 'sts' }).presign(stsGet(query), { expiresIn: 60 })) as HttpRequest,
    );
    assert.equal(presigned.status, 200, presigned.text);
    const tampered = (await testSigner(ng, { service: 'sts' }).presign(stsGet(query), {
      expiresIn: 60,
    })) as HttpRequest;
    (tampered.query as Record<string, string>).Version = '2011-06-16';
    const refused = await send(tampered);
    assert.equal(refused.status, 403);
    assert.match(refused.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  test('an unsigned form is refused with MissingAuthenticationToken, as XML', async () => {
    const res = await fetch(ng.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(res.status, 403);
    assert.match(
      await res.text(),
      /^<ErrorResponse><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
  });
});
