import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieValue, StickinessCookies, setCookieLine } from '../../src/lb/stickiness-cookies.ts';
import { taskAddressFor } from '../../src/lb/task-address.ts';

test('stickiness cookies open only as sealed, by the key that sealed them', () => {
  const cookies = new StickinessCookies(Buffer.alloc(32, 7));
  const sealed = cookies.seal('arn:tg|10.0.0.5:80|1700000000000');
  assert.match(sealed, /^[A-Za-z0-9_-]+$/, 'cookie-safe characters only');
  assert.ok(!sealed.includes('10.0.0.5'), 'the target is not readable');
  assert.equal(cookies.open(sealed), 'arn:tg|10.0.0.5:80|1700000000000');
  const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
  assert.equal(cookies.open(tampered), undefined);
  assert.equal(new StickinessCookies(Buffer.alloc(32, 8)).open(sealed), undefined, 'another key');
  assert.equal(cookies.open('short'), undefined);
  assert.notEqual(cookies.seal('x'), cookies.seal('x'), 'a fresh nonce each time');
});

test('cookie values are found in any Cookie header; Set-Cookie lines carry Expires as ALB writes them', () => {
  assert.equal(cookieValue(['a=1; AWSALB=xyz; b=2'], 'AWSALB'), 'xyz');
  assert.equal(cookieValue(['a=1', ' AWSALB = v '], 'AWSALB'), 'v');
  assert.equal(cookieValue(['AWSALBCORS=no'], 'AWSALB'), undefined);
  assert.equal(
    setCookieLine('AWSALB', 'v', Date.UTC(2030, 0, 2, 3, 4, 5), true),
    'Set-Cookie: AWSALB=v; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Path=/; SameSite=None; Secure\r\n',
  );
});

test('task addresses: link-local in 169.254.128.0/17, the same for the same ARN, past those taken', () => {
  const arn = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/0123456789abcdef';
  const first = taskAddressFor(arn, new Set());
  assert.match(first, /^169\.254\.(\d+)\.(\d+)$/);
  const [, third] = /^169\.254\.(\d+)\./.exec(first)!;
  assert.ok(Number(third) >= 128 && Number(third) <= 255);
  assert.equal(taskAddressFor(arn, new Set()), first, 'stable across restarts');
  const second = taskAddressFor(arn, new Set([first]));
  assert.notEqual(second, first);
  const many = new Set<string>();
  for (let i = 0; i < 200; i++) many.add(taskAddressFor(`${arn}-${i}`, many));
  assert.equal(many.size, 200, 'never one already taken');
});
