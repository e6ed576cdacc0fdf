import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInventory } from '../../../src/agent/network/host-inventory.ts';
import { formatLinkAlias } from '../../../src/agent/network/link-alias.ts';
import { NetworkNames } from '../../../src/agent/network/network-names.ts';

describe('buildInventory', () => {
  const names = new NetworkNames('nt9');
  const bridge = names.bridge('subnet-1');
  const veth = names.hostVeth('t1');
  const subnetAlias = formatLinkAlias(names.aliasTag, {
    kind: 'subnet',
    subnetId: 'subnet-1',
    vpcId: 'vpc-1',
    cidr: '10.9.1.0/24',
    vpcCidr: '10.9.0.0/16',
    privateWithNat: false,
  });
  const taskAlias = formatLinkAlias(names.aliasTag, {
    kind: 'task',
    taskId: 't1',
    subnetId: 'subnet-1',
    ipv4: '10.9.1.4',
    macAddress: '02:00:00:00:00:04',
    assignPublicIp: true,
  });
  const links = [
    { ifname: 'lo', flags: ['LOOPBACK', 'UP'] },
    { ifname: 'eth0', flags: ['UP'], ifalias: 'uplink' },
    { ifname: bridge, flags: ['UP'], ifalias: subnetAlias },
    { ifname: veth, flags: ['UP'], master: bridge, ifalias: taskAlias },
    { ifname: names.hostVeth('crashed'), flags: [] },
    {
      ifname: new NetworkNames('ng').bridge('subnet-1'),
      flags: ['UP'],
      ifalias: subnetAlias.replace('nt9', 'ng'),
    },
  ];
  const loopback = [
    {
      addr_info: [
        { family: 'inet', local: '127.0.0.1', label: 'lo' },
        { family: 'inet', local: '169.254.170.2', label: 'lo:nt9' },
        { family: 'inet', local: '169.254.170.3', label: 'lo:ng' },
      ],
    },
  ];
  const nftObjects = [
    { metainfo: { version: '1.0.6' } },
    { table: { family: 'ip', name: 'neargate_nt9' } },
    { set: { name: 'bridges', elem: [bridge] } },
    {
      set: {
        name: 'bridge_subnets',
        elem: [{ concat: [bridge, { prefix: { addr: '10.9.1.0', len: 24 } }] }],
      },
    },
    { set: { name: 'vpc_internal' } },
  ];

  it('tells complete tasks, half-made ones, subnets and strays apart, for this prefix only', () => {
    const inventory = buildInventory({
      names,
      links,
      loopback,
      netnsNames: ['nt9-t1', 'nt9-t2', 'ng-t3', 'cni-x'],
      nftObjects,
    });
    assert.deepEqual(inventory.subnets, [
      {
        subnetId: 'subnet-1',
        vpcId: 'vpc-1',
        cidr: '10.9.1.0/24',
        vpcCidr: '10.9.0.0/16',
        privateWithNat: false,
        bridge,
        up: true,
        ports: [veth],
      },
    ]);
    assert.deepEqual(inventory.tasks, [
      {
        taskId: 't1',
        hostVeth: veth,
        bridge,
        eni: {
          subnetId: 'subnet-1',
          ipv4: '10.9.1.4',
          macAddress: '02:00:00:00:00:04',
          assignPublicIp: true,
        },
        netnsPath: '/run/netns/nt9-t1',
        complete: true,
      },
      { taskId: 't2', netnsPath: '/run/netns/nt9-t2', complete: false },
    ]);
    assert.deepEqual(inventory.strayLinks, [names.hostVeth('crashed')]);
    assert.deepEqual(inventory.hostAddresses, ['169.254.170.2']);
    assert.deepEqual(inventory.nft, {
      table: true,
      sets: { bridges: [bridge], bridge_subnets: [`${bridge} . 10.9.1.0/24`], vpc_internal: [] },
    });
  });

  it('reports a missing table', () => {
    const inventory = buildInventory({
      names,
      links: [],
      loopback: [],
      netnsNames: [],
      nftObjects: undefined,
    });
    assert.deepEqual(inventory.nft, { table: false, sets: {} });
  });
});
