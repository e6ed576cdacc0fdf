import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubnetState } from '../../../src/agent/network/host-inventory.ts';
import { NetworkError } from '../../../src/agent/network/network-error.ts';
import { NetworkNames } from '../../../src/agent/network/network-names.ts';
import type { SubnetSpec } from '../../../src/agent/network/network-spec.ts';
import { resolveSubnet } from '../../../src/agent/network/network-spec.ts';
import { checkSubnetConflicts } from '../../../src/agent/network/subnet-conflicts.ts';

const names = new NetworkNames();
const defaultVpc = { vpcId: 'vpc-default', vpcCidr: '172.31.0.0/16' };
const existing: SubnetState = {
  ...defaultVpc,
  subnetId: 'subnet-a',
  cidr: '172.31.0.0/20',
  privateWithNat: false,
  bridge: names.bridge('subnet-a'),
  up: true,
  ports: [],
};
const hostRoutes = [
  { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
  { dst: '192.0.2.0/24', dev: 'eth0' },
  { dst: '172.31.0.0/20', dev: existing.bridge },
  { dst: '203.0.113.7', dev: 'tun0' },
  { dst: 'fd00::/64', dev: 'eth0' },
];

function check(spec: SubnetSpec, routes: unknown = hostRoutes): NetworkError['code'] | undefined {
  try {
    checkSubnetConflicts(resolveSubnet(spec, names), [existing], routes);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof NetworkError, String(error));
    return error.code;
  }
}

describe('subnet conflicts', () => {
  it('accepts the same subnet again and new subnets of the same VPC', () => {
    assert.equal(check({ ...defaultVpc, subnetId: 'subnet-a', cidr: '172.31.0.0/20' }), undefined);
    assert.equal(check({ ...defaultVpc, subnetId: 'subnet-b', cidr: '172.31.16.0/20' }), undefined);
    assert.equal(
      check({ vpcId: 'vpc-2', vpcCidr: '10.0.0.0/16', subnetId: 'subnet-c', cidr: '10.0.1.0/24' }),
      undefined,
    );
  });

  it('refuses a changed subnet, overlapping subnets and overlapping VPCs', () => {
    assert.equal(check({ ...defaultVpc, subnetId: 'subnet-a', cidr: '172.31.16.0/20' }), 'CidrConflict');
    assert.equal(check({ ...defaultVpc, subnetId: 'subnet-b', cidr: '172.31.8.0/24' }), 'CidrConflict');
    assert.equal(
      check({ vpcId: 'vpc-2', vpcCidr: '172.31.128.0/17', subnetId: 'subnet-c', cidr: '172.31.128.0/24' }),
      'CidrConflict',
    );
    assert.equal(
      check({ vpcId: 'vpc-default', vpcCidr: '172.31.0.0/17', subnetId: 'subnet-c', cidr: '172.31.64.0/24' }),
      'CidrConflict',
    );
    assert.equal(
      check({ ...defaultVpc, subnetId: 'subnet-a', cidr: '172.31.0.0/20', bridgeName: 'br-custom' }),
      'NameCollision',
    );
  });

  it('refuses a VPC over a host route, but not over its own bridges or the default route', () => {
    assert.equal(
      check({ vpcId: 'vpc-lan', vpcCidr: '192.0.0.0/16', subnetId: 'subnet-l', cidr: '192.0.100.0/24' }),
      'HostRouteConflict',
    );
    assert.equal(
      check({ vpcId: 'vpc-tun', vpcCidr: '203.0.113.0/24', subnetId: 'subnet-t', cidr: '203.0.113.0/28' }),
      'HostRouteConflict',
    );
    // The default VPC's CIDR next to a docker0 on 172.17.0.0/16 is fine; on 172.31.0.0/16 it is not.
    const docker = [...hostRoutes, { dst: '172.31.240.0/20', dev: 'docker0' }];
    assert.equal(
      check({ ...defaultVpc, subnetId: 'subnet-b', cidr: '172.31.16.0/20' }, docker),
      'HostRouteConflict',
    );
  });
});
