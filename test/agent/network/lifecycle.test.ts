import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { NetworkError } from '../../../src/agent/network/network-error.ts';
import type { SubnetSpec, TaskEniSpec } from '../../../src/agent/network/network-spec.ts';
import { Nft } from '../../../src/agent/network/nft.ts';
import { TaskNetwork } from '../../../src/agent/network/task-network.ts';
import { macAddressFromId } from '../../../src/core/ipam.ts';
import { hostLeftovers, hostTestSkipReason, run, waitFor } from './fixtures.ts';

const prefix = 'ntl';
const subnet: SubnetSpec = {
  vpcId: 'vpc-ntl',
  vpcCidr: '10.234.0.0/16',
  subnetId: 'subnet-ntl',
  cidr: '10.234.1.0/24',
};

function eni(ipv4: string, id: string): TaskEniSpec {
  return { subnet, ipv4, macAddress: macAddressFromId(id), assignPublicIp: 'DISABLED', eniId: id };
}

async function hostPings(ipv4: string): Promise<boolean> {
  return (await run('busybox', ['ping', '-c', '1', '-W', '1', ipv4])).code === 0;
}

/** Whether the namespace has an eth0, read synchronously (as a callback must). */
function ethIn(netnsName: string): boolean {
  return spawnSync('ip', ['-n', netnsName, 'link', 'show', 'eth0']).status === 0;
}

function hasCode(code: NetworkError['code']) {
  return (error: unknown) => error instanceof NetworkError && error.code === code;
}

describe('TaskNetwork lifecycle on a real host', { skip: hostTestSkipReason() }, () => {
  const network = new TaskNetwork({ prefix, egressGroup: 0x6e03, egressMark: 0x0800_0000 });

  before(async () => {
    await network.teardown();
    await run('ip', ['route', 'del', 'blackhole', '10.235.99.0/24']);
  });

  after(async () => {
    await network.teardown();
    await run('ip', ['route', 'del', 'blackhole', '10.235.99.0/24']);
  });

  it('creates a task network again without harm, and deletes it twice without error', async () => {
    const first = await network.createTaskNetns('twice', eni('10.234.1.10', 'eni-twice'));
    assert.ok(await hostPings('10.234.1.10'));
    const again = await network.createTaskNetns('twice', eni('10.234.1.10', 'eni-twice'));
    assert.deepEqual(again, first);
    assert.ok(await hostPings('10.234.1.10'));
    const listed = (await network.list()).tasks.filter((task) => task.taskId === 'twice');
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.complete, true);

    await network.deleteTaskNetns('twice');
    assert.ok(!existsSync(first.netnsPath));
    assert.ok(!existsSync(`/sys/class/net/${first.hostVeth}`));
    assert.ok(!(await run('ip', ['netns', 'list'])).stdout.includes(first.netnsName));
    assert.ok(!(await hostPings('10.234.1.10')));
    await network.deleteTaskNetns('twice');
    assert.deepEqual((await network.list()).tasks, []);
  });

  it('tells when the namespace exists with the task end of the veth in it, once per create', async () => {
    const seen: { netns: boolean; eth0: boolean }[] = [];
    const netnsPath = network.netnsPath('told');
    const onNamespace = () => {
      seen.push({ netns: existsSync(netnsPath), eth0: ethIn(network.names.netnsName('told')) });
    };
    const info = await network.createTaskNetns('told', eni('10.234.1.14', 'eni-told'), { onNamespace });
    assert.deepEqual(seen, [{ netns: true, eth0: true }]);
    // Made already: the call completes it and tells again, so a caller waiting on it never hangs.
    await network.createTaskNetns('told', eni('10.234.1.14', 'eni-told'), { onNamespace });
    assert.equal(seen.length, 2);
    assert.ok(await hostPings(info.ipv4));
    await network.deleteTaskNetns('told');
  });

  it('makes a new subnet once for tasks that arrive in it together', async () => {
    await network.teardown();
    const scripts: string[] = [];
    const counting = new (class extends Nft {
      override apply(script: string, options?: { signal?: AbortSignal }) {
        scripts.push(script);
        return super.apply(script, options);
      }
    })();
    const fresh = new TaskNetwork({ prefix, egressGroup: 0x6e03, egressMark: 0x0800_0000, nft: counting });
    const ids = Array.from({ length: 6 }, (_, i) => `together${i}`);
    await Promise.all(ids.map((id, i) => fresh.createTaskNetns(id, eni(`10.234.1.${20 + i}`, `eni-${id}`))));
    assert.equal(scripts.filter((s) => s.includes('10.234.1.0/24')).length, 1, scripts.join('\n---\n'));
    for (const [i] of ids.entries()) assert.ok(await hostPings(`10.234.1.${20 + i}`));
    await Promise.all(ids.map((id) => fresh.deleteTaskNetns(id)));
  });

  it('lets a restarted agent find its tasks on the host and adopt them', async () => {
    const created = await network.createTaskNetns('adopted', eni('10.234.1.11', 'eni-adopted'));
    const restarted = new TaskNetwork({ prefix, egressGroup: 0x6e03, egressMark: 0x0800_0000 });
    const inventory = await restarted.restore();
    assert.deepEqual(
      inventory.subnets.map((s) => [s.subnetId, s.vpcId, s.cidr, s.vpcCidr, s.ports]),
      [['subnet-ntl', 'vpc-ntl', '10.234.1.0/24', '10.234.0.0/16', [created.hostVeth]]],
    );
    const task = inventory.tasks.find((t) => t.taskId === 'adopted');
    assert.deepEqual(task, {
      taskId: 'adopted',
      hostVeth: created.hostVeth,
      bridge: created.bridge,
      netnsPath: created.netnsPath,
      eni: {
        subnetId: 'subnet-ntl',
        ipv4: '10.234.1.11',
        macAddress: macAddressFromId('eni-adopted'),
        assignPublicIp: false,
        eniId: 'eni-adopted',
      },
      complete: true,
    });
    assert.deepEqual(await restarted.createTaskNetns('adopted', eni('10.234.1.11', 'eni-adopted')), created);
    assert.ok(await hostPings('10.234.1.11'));
    await restarted.deleteTaskNetns('adopted');
  });

  it('completes a task network left half-made by a crash', async () => {
    const netnsOnly = await run('ip', ['netns', 'add', `${prefix}-half`]);
    assert.equal(netnsOnly.code, 0, netnsOnly.stderr);
    assert.equal((await network.list()).tasks.find((t) => t.taskId === 'half')?.complete, false);
    await network.createTaskNetns('half', eni('10.234.1.12', 'eni-half'));
    assert.ok(await hostPings('10.234.1.12'));

    // The veth without its namespace: the bind mount was removed while a process kept the
    // namespace, and so the veth, alive.
    const orphanVeth = network.names.hostVeth('orphan');
    const created = await network.createTaskNetns('orphan', eni('10.234.1.13', 'eni-orphan'));
    const holder = spawn('nsenter', [`--net=${created.netnsPath}`, 'sleep', '30'], { stdio: 'ignore' });
    try {
      const netnsInode = statSync(created.netnsPath).ino;
      await waitFor(
        'the holder to enter the namespace',
        async () => (await readlink(`/proc/${holder.pid}/ns/net`)) === `net:[${netnsInode}]`,
      );
      await run('ip', ['netns', 'del', created.netnsName]);
      assert.ok(existsSync(`/sys/class/net/${orphanVeth}`) && !existsSync(created.netnsPath));
      await network.createTaskNetns('orphan', eni('10.234.1.13', 'eni-orphan'));
      assert.ok(await hostPings('10.234.1.13'));
    } finally {
      holder.kill('SIGKILL');
    }
    await network.deleteTaskNetns('half');
    await network.deleteTaskNetns('orphan');
  });

  it('refuses to replace a task network that has another address, and leaves it working', async () => {
    await network.createTaskNetns('fixed', eni('10.234.1.20', 'eni-fixed'));
    await assert.rejects(
      network.createTaskNetns('fixed', eni('10.234.1.21', 'eni-fixed')),
      hasCode('TaskNetworkMismatch'),
    );
    await assert.rejects(
      network.createTaskNetns('fixed', eni('10.234.1.20', 'eni-other')),
      hasCode('TaskNetworkMismatch'),
    );
    assert.ok(await hostPings('10.234.1.20'));
  });

  it('refuses to remove a subnet that still has tasks', async () => {
    await assert.rejects(network.removeSubnet('subnet-ntl'), hasCode('SubnetInUse'));
    assert.ok(await hostPings('10.234.1.20'));
  });

  it('refuses subnets that overlap another subnet, another VPC or a host route', async () => {
    const overlappingSubnet = { ...subnet, subnetId: 'subnet-ntl-x', cidr: '10.234.1.0/25' };
    await assert.rejects(network.ensureSubnet(overlappingSubnet), hasCode('CidrConflict'));
    const overlappingVpc = {
      vpcId: 'vpc-ntl-x',
      vpcCidr: '10.234.0.0/20',
      subnetId: 'subnet-ntl-y',
      cidr: '10.234.8.0/24',
    };
    await assert.rejects(network.ensureSubnet(overlappingVpc), hasCode('CidrConflict'));
    const sameVpcOtherCidr = {
      ...subnet,
      vpcCidr: '10.234.0.0/17',
      subnetId: 'subnet-ntl-z',
      cidr: '10.234.9.0/24',
    };
    await assert.rejects(network.ensureSubnet(sameVpcOtherCidr), hasCode('CidrConflict'));
    const route = await run('ip', ['route', 'add', 'blackhole', '10.235.99.0/24']);
    assert.equal(route.code, 0, route.stderr);
    const onRoute = {
      vpcId: 'vpc-ntl-r',
      vpcCidr: '10.235.0.0/16',
      subnetId: 'subnet-ntl-r',
      cidr: '10.235.1.0/24',
    };
    await assert.rejects(network.ensureSubnet(onRoute), hasCode('HostRouteConflict'));
    assert.deepEqual(
      (await network.list()).subnets.map((s) => s.subnetId),
      ['subnet-ntl'],
    );
  });

  it('refuses addresses and MACs a subnet cannot have', async () => {
    for (const ipv4 of ['10.234.1.0', '10.234.1.1', '10.234.1.3', '10.234.1.255', '10.234.2.10', 'nope']) {
      await assert.rejects(
        network.createTaskNetns('bad', eni(ipv4, 'eni-bad')),
        hasCode('InvalidSpec'),
        ipv4,
      );
    }
    await assert.rejects(
      network.createTaskNetns('bad', { ...eni('10.234.1.30', 'eni-bad'), macAddress: '01:00:5e:00:00:01' }),
      hasCode('InvalidSpec'),
    );
    await assert.rejects(
      network.createTaskNetns('bad/../x', eni('10.234.1.30', 'eni-bad')),
      hasCode('InvalidSpec'),
    );
    await assert.rejects(network.ensureSubnet({ ...subnet, cidr: '10.234.1.0/29' }), hasCode('InvalidSpec'));
    await assert.rejects(network.ensureSubnet({ ...subnet, cidr: '10.99.1.0/24' }), hasCode('InvalidSpec'));
    assert.ok(!(await network.list()).tasks.some((t) => t.taskId === 'bad'));
  });

  it('puts its rules back after something flushed them', async () => {
    const flushed = await run('nft', ['delete', 'table', 'ip', network.names.table]);
    assert.equal(flushed.code, 0, flushed.stderr);
    assert.equal((await network.list()).nft.table, false);
    await network.restore();
    const { nft } = await network.list();
    assert.equal(nft.table, true);
    assert.deepEqual(nft.sets.vpc_cidrs, ['10.234.0.0/16']);
    assert.deepEqual(nft.sets.bridges, [network.names.bridge('subnet-ntl')]);
  });

  it('leaves nothing on the host once tasks and subnet are gone, and nothing after teardown', async () => {
    await network.deleteTaskNetns('fixed');
    await network.removeSubnet('subnet-ntl');
    await network.removeSubnet('subnet-ntl');
    const inventory = await network.list();
    assert.deepEqual([inventory.tasks, inventory.subnets, inventory.strayLinks], [[], [], []]);
    for (const elements of Object.values(inventory.nft.sets)) assert.deepEqual(elements, []);
    assert.deepEqual(
      (await hostLeftovers(prefix, network.names.table)).filter((line) => !line.startsWith('table')),
      [],
    );
    await network.teardown();
    assert.deepEqual(await hostLeftovers(prefix, network.names.table), []);
  });
});
