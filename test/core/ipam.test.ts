import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr } from '../../src/core/cidr.ts';
import {
  allocateIpv4,
  isUnicastMacAddress,
  isUsableAddress,
  macAddressFromId,
  reservedAddresses,
  usableAddressCount,
} from '../../src/core/ipam.ts';

describe('IPAM', () => {
  const subnet = parseCidr('172.31.16.0/28');

  it('reserves the first four addresses and the last, as AWS does', () => {
    assert.deepEqual(reservedAddresses(subnet), [
      '172.31.16.0',
      '172.31.16.1',
      '172.31.16.2',
      '172.31.16.3',
      '172.31.16.15',
    ]);
    assert.equal(usableAddressCount(subnet), 11);
    assert.equal(usableAddressCount(parseCidr('10.0.0.0/16')), 65_531);
    assert.ok(!isUsableAddress(subnet, '172.31.16.3'));
    assert.ok(isUsableAddress(subnet, '172.31.16.4'));
    assert.ok(isUsableAddress(subnet, '172.31.16.14'));
    assert.ok(!isUsableAddress(subnet, '172.31.16.15'));
    assert.ok(!isUsableAddress(subnet, '172.31.17.4'));
  });

  it('hands out the lowest free usable address', () => {
    assert.equal(allocateIpv4(subnet, []), '172.31.16.4');
    assert.equal(allocateIpv4(subnet, new Set(['172.31.16.4', '172.31.16.6'])), '172.31.16.5');
    assert.equal(allocateIpv4(subnet, ['172.31.16.4', '172.31.16.5', '10.0.0.1']), '172.31.16.6');
  });

  it('walks on from the last allocation and wraps, so a freed address is reused last', () => {
    assert.equal(allocateIpv4(subnet, ['172.31.16.9'], { after: '172.31.16.8' }), '172.31.16.10');
    assert.equal(allocateIpv4(subnet, [], { after: '172.31.16.14' }), '172.31.16.4');
    assert.equal(allocateIpv4(subnet, ['172.31.16.4'], { after: '172.31.16.14' }), '172.31.16.5');
    assert.equal(allocateIpv4(subnet, [], { after: '192.0.2.1' }), '172.31.16.4');
  });

  it('fills every usable address exactly once, then says the subnet is full', () => {
    const used = new Set<string>();
    let after: string | undefined;
    for (let i = 0; i < usableAddressCount(subnet); i++) {
      const ip = allocateIpv4(subnet, used, after === undefined ? {} : { after });
      assert.ok(ip !== undefined && isUsableAddress(subnet, ip) && !used.has(ip), String(ip));
      used.add(ip);
      after = ip;
    }
    assert.equal(allocateIpv4(subnet, used), undefined);
  });

  it('refuses subnets smaller than AWS allows', () => {
    assert.throws(() => allocateIpv4(parseCidr('10.0.0.0/29'), []), RangeError);
  });
});

describe('MAC addresses from ids', () => {
  it('are stable, locally administered and unicast', () => {
    const mac = macAddressFromId('eni-0123456789abcdef0');
    assert.equal(mac, macAddressFromId('eni-0123456789abcdef0'));
    assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const first = Number.parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 0b11, 0b10);
    assert.ok(isUnicastMacAddress(mac));
  });

  it('differ between ids', () => {
    const macs = new Set<string>();
    for (let i = 0; i < 10_000; i++) macs.add(macAddressFromId(`eni-${i}`));
    assert.equal(macs.size, 10_000);
  });

  it('are recognised as unicast or not', () => {
    assert.ok(!isUnicastMacAddress('01:00:5e:00:00:01'));
    assert.ok(!isUnicastMacAddress('00:00:00:00:00:00'));
    assert.ok(!isUnicastMacAddress('0A:00:00:00:00:01'));
    assert.ok(isUnicastMacAddress('0a:58:ac:1f:01:0a'));
  });
});
