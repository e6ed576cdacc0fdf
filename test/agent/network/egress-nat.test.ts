import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AssignPublicIp, SubnetSpec } from '../../../src/agent/network/network-spec.ts';
import type { TaskNetworkInfo } from '../../../src/agent/network/task-namespaces.ts';
import { TaskNetwork } from '../../../src/agent/network/task-network.ts';
import { macAddressFromId } from '../../../src/core/ipam.ts';
import { hostGet, hostTestSkipReason, Processes, run, waitFor, wgetIn } from './fixtures.ts';

const prefix = 'ntn';
const vpc = { vpcId: 'vpc-ntn', vpcCidr: '10.233.0.0/16' };
const publicSubnet: SubnetSpec = { ...vpc, subnetId: 'subnet-ntn-pub', cidr: '10.233.1.0/24' };
const natSubnet: SubnetSpec = {
  ...vpc,
  subnetId: 'subnet-ntn-nat',
  cidr: '10.233.2.0/24',
  privateWithNat: true,
};

/**
 * "Outside": a namespace on its own network, routed through the host, that stands for the
 * internet. It routes back to the host, so unmasqueraded packets from a task would get answers
 * too: only the rules decide who gets out, and the address it sees tells whether NAT happened.
 */
const upstream = { netns: 'ntnup', hostVeth: 'ntnup0', hostAddress: '198.51.100.1', address: '198.51.100.2' };
const whoamiUrl = `http://${upstream.address}/cgi-bin/whoami`;

async function removeUpstream(): Promise<void> {
  await run('ip', ['link', 'del', upstream.hostVeth]);
  await run('ip', ['netns', 'del', upstream.netns]);
}

async function makeUpstream(): Promise<void> {
  const lines = [
    `netns add ${upstream.netns}`,
    `link add ${upstream.hostVeth} type veth peer name eth0 netns ${upstream.netns}`,
    `addr add ${upstream.hostAddress}/24 dev ${upstream.hostVeth}`,
    `link set ${upstream.hostVeth} up`,
  ];
  const inside = [
    'link set lo up',
    'link set eth0 up',
    `addr add ${upstream.address}/24 dev eth0`,
    `route add default via ${upstream.hostAddress}`,
  ];
  for (const [args, input] of [
    [['-batch', '-'], lines],
    [['-n', upstream.netns, '-batch', '-'], inside],
  ] as const) {
    const result = await run('sh', ['-c', `printf '%s\\n' "$@" | ip ${args.join(' ')}`, 'sh', ...input]);
    assert.equal(result.code, 0, result.stderr);
  }
}

describe('Egress NAT on a real host', { skip: hostTestSkipReason() }, () => {
  const network = new TaskNetwork({ prefix, egressGroup: 0x6e02, egressMark: 0x0400_0000 });
  const processes = new Processes();
  const tasks = new Map<string, TaskNetworkInfo>();

  async function startTask(taskId: string, subnet: SubnetSpec, ipv4: string, assignPublicIp: AssignPublicIp) {
    const info = await network.createTaskNetns(taskId, {
      subnet,
      ipv4,
      macAddress: macAddressFromId(`eni-${taskId}`),
      assignPublicIp,
    });
    tasks.set(taskId, info);
    await processes.httpd(info.netnsName, '0.0.0.0:80', taskId);
    await waitFor(`httpd of ${taskId}`, async () => (await hostGet(`http://${ipv4}/`, 500)) === taskId);
  }

  function netnsOf(taskId: string): string {
    const info = tasks.get(taskId);
    assert.ok(info, taskId);
    return info.netnsName;
  }

  before(async () => {
    await network.teardown();
    await removeUpstream();
    await makeUpstream();
    await processes.httpd(upstream.netns, '0.0.0.0:80', 'upstream');
    await startTask('public', publicSubnet, '10.233.1.10', 'ENABLED');
    await startTask('private', publicSubnet, '10.233.1.11', 'DISABLED');
    await startTask('natted', natSubnet, '10.233.2.10', 'DISABLED');
    await waitFor(
      'the upstream httpd',
      async () => (await hostGet(`http://${upstream.address}/`, 500)) === 'upstream',
    );
  });

  after(async () => {
    await processes.stopAll();
    await network.teardown();
    await removeUpstream();
  });

  it('masquerades a task with assignPublicIp ENABLED behind the host', async () => {
    const result = await wgetIn(netnsOf('public'), whoamiUrl);
    assert.equal(result.stdout, upstream.hostAddress, result.stderr);
  });

  it('drops egress of a task without a public IP', async () => {
    const result = await wgetIn(netnsOf('private'), whoamiUrl);
    assert.notEqual(result.code, 0, `upstream answered: ${result.stdout}`);
  });

  it('masquerades every task of a private subnet with NAT', async () => {
    const result = await wgetIn(netnsOf('natted'), whoamiUrl);
    assert.equal(result.stdout, upstream.hostAddress, result.stderr);
  });

  it('follows a subnet losing and regaining its NAT gateway', async () => {
    await network.ensureSubnet({ ...natSubnet, privateWithNat: false });
    assert.notEqual((await wgetIn(netnsOf('natted'), whoamiUrl)).code, 0);
    await network.ensureSubnet(natSubnet);
    assert.equal((await wgetIn(netnsOf('natted'), whoamiUrl)).stdout, upstream.hostAddress);
  });

  it('does not masquerade traffic that stays in the VPC', async () => {
    const result = await wgetIn(netnsOf('public'), 'http://10.233.2.10/cgi-bin/whoami');
    assert.equal(result.stdout, '10.233.1.10', result.stderr);
  });

  it('drops unsolicited connections from outside to a task, even one with a public IP', async () => {
    const result = await run(
      'ip',
      ['netns', 'exec', upstream.netns, 'busybox', 'wget', '-q', '-O', '-', 'http://10.233.1.10/'],
      {
        timeoutMs: 2_000,
      },
    );
    assert.notEqual(result.code, 0, `the task answered: ${result.stdout}`);
  });

  it('drops packets whose source address is not of the task subnet', async () => {
    // A task in a subnet without NAT that forges an address of the NAT subnet must not get out.
    const echoRequests = async () => {
      const listing = await run('ip', [
        'netns',
        'exec',
        upstream.netns,
        'nft',
        '-j',
        'list',
        'table',
        'ip',
        'counting',
      ]);
      return JSON.stringify(JSON.parse(listing.stdout)).match(/"packets":\s*(\d+)/)?.[1];
    };
    const ping = (taskId: string, source: string) =>
      run('ip', [
        'netns',
        'exec',
        netnsOf(taskId),
        'busybox',
        'ping',
        '-c',
        '1',
        '-W',
        '1',
        '-I',
        source,
        upstream.address,
      ]);
    const counting =
      'add table ip counting\nadd chain ip counting input { type filter hook input priority 0; }\n';
    const rule = 'add rule ip counting input icmp type echo-request counter\n';
    const made = await run('sh', [
      '-c',
      `printf '${counting}${rule}' | ip netns exec ${upstream.netns} nft -f -`,
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await ping('natted', '10.233.2.10')).code, 0); // the counter works
    assert.equal(await echoRequests(), '1');
    assert.equal(
      (await run('ip', ['-n', netnsOf('private'), 'addr', 'add', '10.233.2.50/32', 'dev', 'eth0'])).code,
      0,
    );
    const spoofed = await ping('private', '10.233.2.50');
    await run('ip', ['-n', netnsOf('private'), 'addr', 'del', '10.233.2.50/32', 'dev', 'eth0']);
    assert.notEqual(spoofed.code, 0);
    assert.equal(await echoRequests(), '1', 'a packet with a forged source reached the upstream');
  });
});
