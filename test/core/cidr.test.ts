import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cidrContains,
  cidrContainsAddress,
  cidrOf,
  cidrSize,
  cidrsOverlap,
  firstFreeCidr,
  formatCidr,
  formatIpv4,
  gatewayAddress,
  isCidr,
  isIpv4,
  nthAddress,
  parseCidr,
  parseIpv4,
  prefixMask,
} from '../../src/core/cidr.ts';

describe('IPv4 addresses', () => {
  it('round-trips dotted quads, including the extremes', () => {
    for (const text of ['0.0.0.0', '10.0.0.1', '172.31.255.254', '255.255.255.255']) {
      assert.equal(formatIpv4(parseIpv4(text)), text);
    }
    assert.equal(parseIpv4('255.255.255.255'), 0xffff_ffff);
    assert.equal(parseIpv4('1.2.3.4'), 0x0102_0304);
  });

  it('refuses what is not a dotted quad', () => {
    for (const text of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.1',
      '01.2.3.4',
      '1.2.3.-4',
      ' 1.2.3.4',
      'a.b.c.d',
    ]) {
      assert.throws(() => parseIpv4(text), SyntaxError, text);
      assert.equal(isIpv4(text), false);
    }
    assert.throws(() => formatIpv4(2 ** 32), RangeError);
    assert.throws(() => formatIpv4(-1), RangeError);
  });
});

describe('CIDR blocks', () => {
  it('parses and formats canonical blocks', () => {
    assert.deepEqual(parseCidr('172.31.0.0/16'), { network: 0xac1f_0000, prefixLength: 16 });
    assert.equal(formatCidr(parseCidr('0.0.0.0/0')), '0.0.0.0/0');
    assert.equal(formatCidr(parseCidr('10.1.2.3/32')), '10.1.2.3/32');
    assert.equal(cidrSize(parseCidr('10.0.0.0/28')), 16);
    assert.equal(cidrSize(parseCidr('0.0.0.0/0')), 2 ** 32);
    assert.equal(prefixMask(0), 0);
    assert.equal(prefixMask(32), 0xffff_ffff);
    assert.equal(prefixMask(20), 0xffff_f000);
  });

  it('refuses host bits, bad lengths and garbage', () => {
    for (const text of ['10.0.0.5/16', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0', '10.0.0.0/08', '/16', 'x/8']) {
      assert.throws(() => parseCidr(text), SyntaxError, text);
      assert.equal(isCidr(text), false);
    }
  });

  it('takes the block around an address', () => {
    assert.equal(formatCidr(cidrOf('172.31.77.9', 16)), '172.31.0.0/16');
    assert.equal(formatCidr(cidrOf('255.255.255.255', 1)), '128.0.0.0/1');
  });

  it('answers containment and overlap', () => {
    const vpc = parseCidr('172.31.0.0/16');
    const subnet = parseCidr('172.31.16.0/20');
    assert.ok(cidrContains(vpc, subnet));
    assert.ok(cidrContains(vpc, vpc));
    assert.ok(!cidrContains(subnet, vpc));
    assert.ok(!cidrContains(vpc, parseCidr('172.30.0.0/16')));
    assert.ok(cidrContainsAddress(subnet, '172.31.31.255'));
    assert.ok(!cidrContainsAddress(subnet, '172.31.32.0'));
    assert.ok(cidrsOverlap(subnet, vpc));
    assert.ok(cidrsOverlap(vpc, subnet));
    assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/24'), parseCidr('10.0.1.0/24')));
    assert.ok(cidrsOverlap(parseCidr('0.0.0.0/0'), parseCidr('255.255.255.255/32')));
  });

  it('finds the n-th address from either end, and the gateway', () => {
    const subnet = parseCidr('172.31.1.0/24');
    assert.equal(formatIpv4(nthAddress(subnet, 0)), '172.31.1.0');
    assert.equal(formatIpv4(nthAddress(subnet, 10)), '172.31.1.10');
    assert.equal(formatIpv4(nthAddress(subnet, -1)), '172.31.1.255');
    assert.equal(formatIpv4(nthAddress(subnet, -256)), '172.31.1.0');
    assert.throws(() => nthAddress(subnet, 256), RangeError);
    assert.throws(() => nthAddress(subnet, -257), RangeError);
    assert.equal(formatIpv4(gatewayAddress(subnet)), '172.31.1.1');
    assert.equal(formatIpv4(gatewayAddress(parseCidr('255.255.255.0/24'))), '255.255.255.1');
    assert.throws(() => gatewayAddress(parseCidr('10.0.0.0/31')), RangeError);
  });

  it('picks the first candidate that overlaps nothing taken', () => {
    const candidates = ['172.31.0.0/16', '172.30.0.0/16', '10.200.0.0/16'].map(parseCidr);
    const hostRoutes = ['172.31.8.0/24', '172.16.0.0/15'].map(parseCidr);
    assert.equal(formatCidr(firstFreeCidr(candidates, hostRoutes)!), '172.30.0.0/16');
    assert.equal(firstFreeCidr(candidates, [parseCidr('0.0.0.0/0')]), undefined);
  });
});
