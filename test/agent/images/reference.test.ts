import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageError } from '../../../src/agent/images/image-error.ts';
import { normalizeReference, parseReference } from '../../../src/agent/images/reference.ts';

const D = `sha256:${'ab'.repeat(32)}`;

describe('normalizeReference', () => {
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
    ['nginxinc/nginx-unprivileged', 'docker.io/nginxinc/nginx-unprivileged:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/x', 'localhost:5000/x:latest'],
    ['localhost:5000/team/x:v1.2', 'localhost:5000/team/x:v1.2'],
    ['public.ecr.aws/nginx/nginx:stable', 'public.ecr.aws/nginx/nginx:stable'],
    [
      '000000000000.dkr.ecr.us-east-1.amazonaws.com/app',
      '000000000000.dkr.ecr.us-east-1.amazonaws.com/app:latest',
    ],
    ['Registry/app', 'Registry/app:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`],
    ['a.b/c__d/e-f.g:TAG_1', 'a.b/c__d/e-f.g:TAG_1'],
  ];
  for (const [input, expected] of cases) {
    it(`reads "${input}" as "${expected}"`, () => assert.equal(normalizeReference(input), expected));
  }

  for (const input of [
    '',
    'Busybox',
    'busybox:',
    'busybox@sha256:abc',
    'a//b',
    'busybox:-x',
    'docker.io/UPPER',
    'x@md5:00',
  ]) {
    it(`refuses "${input}"`, () => {
      assert.throws(
        () => parseReference(input),
        (e: unknown) => e instanceof ImageError && e.code === 'InvalidReference',
      );
    });
  }

  it('splits domain, path, tag and digest', () => {
    assert.deepEqual(parseReference(`localhost:5000/a/b:t@${D}`), {
      domain: 'localhost:5000',
      path: 'a/b',
      tag: 't',
      digest: D,
    });
  });
});
