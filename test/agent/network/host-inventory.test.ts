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
    { ifname: names.hostLink, flags: ['UP'], ifalias: formatLinkAlias(names.aliasTag, { kind: 'host' }) },
    // Another neargate's host link holds the same address; it is not ours.
    { ifname: 'ng-svc', flags: ['UP'], ifalias: 'neargate:ng host' },
  ];
  const hostAddrs = [
    {
      addr_info: [
        { family: 'inet', local: '169.254.170.2', prefixlen: 32 },
        { family: 'inet', local: '169.254.169.253', prefixlen: 32 },
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
    {
      set: {
        name: 'lb_listeners',
        type: ['ipv4_addr', 'inet_service'],
        elem: [{ concat: ['169.254.130.7', 80] }, { concat: ['169.254.130.7', 8080] }],
      },
    },
    {
      map: {
        name: 'host_services',
        type: ['ipv4_addr', 'inet_proto', 'inet_service'],
        map: 'ipv4_addr . inet_service',
        elem: [
          [{ concat: ['169.254.169.253', 'udp', 53] }, { concat: ['169.254.169.253', 40_001] }],
          [{ concat: ['169.254.170.2', 'tcp', 80] }, { concat: ['169.254.170.2', 40_000] }],
        ],
      },
    },
  ];

  it('tells complete tasks, half-made ones, subnets and strays apart, for this prefix only', () => {
    const inventory = buildInventory({
      names,
      links,
      hostAddrs,
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
    assert.equal(inventory.hostLink, names.hostLink);
    assert.deepEqual(inventory.hostAddresses, ['169.254.170.2', '169.254.169.253']);
    assert.deepEqual(inventory.nft, {
      table: true,
      sets: {
        bridges: [bridge],
        bridge_subnets: [`${bridge} . 10.9.1.0/24`],
        vpc_internal: [],
        lb_listeners: ['169.254.130.7 . 80', '169.254.130.7 . 8080'],
      },
      hostServices: [
        { address: '169.254.169.253', protocol: 'udp', port: 53, listenPort: 40_001 },
        { address: '169.254.170.2', protocol: 'tcp', port: 80, listenPort: 40_000 },
      ],
      lbListeners: [
        { address: '169.254.130.7', port: 80 },
        { address: '169.254.130.7', port: 8080 },
      ],
    });
  });

  it('reports a missing table', () => {
    const inventory = buildInventory({
      names,
      links: [],
      hostAddrs: [],
      netnsNames: [],
      nftObjects: undefined,
    });
    assert.deepEqual(inventory.nft, { table: false, sets: {}, hostServices: [], lbListeners: [] });
    assert.equal(inventory.hostLink, undefined);
  });
});
