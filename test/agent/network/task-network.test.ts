import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { AssignPublicIp, SubnetSpec } from '../../../src/agent/network/network-spec.ts';
import type { TaskNetworkInfo } from '../../../src/agent/network/task-namespaces.ts';
import { TaskNetwork } from '../../../src/agent/network/task-network.ts';
import { parseCidr } from '../../../src/core/cidr.ts';
import { allocateIpv4, macAddressFromId } from '../../../src/core/ipam.ts';
import {
  hostGet,
  hostLeftovers,
  hostTestSkipReason,
  inNetns,
  joinNetns,
  Processes,
  pingIn,
  run,
  waitFor,
  wgetIn,
} from './fixtures.ts';

const prefix = 'nta';
const vpcA = { vpcId: 'vpc-nta-a', vpcCidr: '10.231.0.0/16' };
const vpcB = { vpcId: 'vpc-nta-b', vpcCidr: '10.232.0.0/16' };
const subnetA1: SubnetSpec = { ...vpcA, subnetId: 'subnet-nta-a1', cidr: '10.231.1.0/24' };
const subnetA2: SubnetSpec = { ...vpcA, subnetId: 'subnet-nta-a2', cidr: '10.231.2.0/28' };
const subnetB1: SubnetSpec = { ...vpcB, subnetId: 'subnet-nta-b1', cidr: '10.232.1.0/24' };
const hostPort = 18_231;
const hostServiceAddress = '169.254.170.231';
/** A load balancer's task address, from the block they take theirs from (src/lb/task-address.ts). */
const lbAddress = '169.254.200.231';

describe('TaskNetwork on a real host', { skip: hostTestSkipReason() }, () => {
  const network = new TaskNetwork({ prefix, egressGroup: 0x6e01, egressMark: 0x0200_0000 });
  const processes = new Processes();
  const tasks = new Map<string, TaskNetworkInfo>();
  const used = new Map<string, Set<string>>();

  async function startTask(
    taskId: string,
    subnet: SubnetSpec,
    assignPublicIp: AssignPublicIp = 'DISABLED',
  ): Promise<TaskNetworkInfo> {
    const taken = used.get(subnet.subnetId) ?? new Set<string>();
    used.set(subnet.subnetId, taken);
    const ipv4 = allocateIpv4(parseCidr(subnet.cidr), taken);
    assert.ok(ipv4);
    taken.add(ipv4);
    const eniId = `eni-${taskId}`;
    const info = await network.createTaskNetns(taskId, {
      subnet,
      ipv4,
      macAddress: macAddressFromId(eniId),
      assignPublicIp,
      eniId,
    });
    tasks.set(taskId, info);
    await processes.httpd(info.netnsName, '0.0.0.0:80', `hello from ${taskId}`);
    await waitFor(
      `httpd of ${taskId}`,
      async () => (await hostGet(`http://${ipv4}/`, 500)) === `hello from ${taskId}`,
    );
    return info;
  }

  function task(taskId: string): TaskNetworkInfo {
    const info = tasks.get(taskId);
    assert.ok(info, taskId);
    return info;
  }

  before(async () => {
    await network.teardown(); // what a crashed earlier run may have left
    await startTask('a1', subnetA1);
    await startTask('a1b', subnetA1);
    // These two have public IPs, so that only the VPC rule (not their lack of egress) keeps them apart.
    await startTask('a2', subnetA2, 'ENABLED');
    await startTask('b1', subnetB1, 'ENABLED');
  });

  after(async () => {
    await processes.stopAll();
    await network.teardown();
  });

  it('gives each task lo, an eth0 with its address and MAC, and a default route via the gateway', async () => {
    const info = task('a1');
    assert.equal(info.ipv4, '10.231.1.4'); // .0-.3 are reserved, as on AWS
    assert.equal(info.gateway, '10.231.1.1');
    assert.equal(info.netnsPath, `/run/netns/${prefix}-a1`);
    assert.ok(info.hostVeth.length <= 15);
    const addresses = JSON.parse((await run('ip', ['-n', info.netnsName, '-j', 'addr', 'show'])).stdout);
    const eth0 = addresses.find((link: { ifname: string }) => link.ifname === 'eth0');
    const lo = addresses.find((link: { ifname: string }) => link.ifname === 'lo');
    assert.equal(eth0.address, macAddressFromId('eni-a1'));
    assert.ok(eth0.flags.includes('UP') && lo.flags.includes('UP'));
    assert.deepEqual(
      eth0.addr_info
        .filter((a: { family: string }) => a.family === 'inet')
        .map((a: { local: string }) => a.local),
      ['10.231.1.4'],
    );
    const routes = JSON.parse(
      (await run('ip', ['-n', info.netnsName, '-j', 'route', 'show', 'default'])).stdout,
    );
    assert.deepEqual(
      routes.map((r: { gateway: string; dev: string }) => [r.gateway, r.dev]),
      [['10.231.1.1', 'eth0']],
    );
  });

  it('lets the host reach every task IP', async () => {
    for (const [taskId, info] of tasks) {
      assert.equal(await hostGet(`http://${info.ipv4}/`), `hello from ${taskId}`);
      const ping = await run('busybox', ['ping', '-c', '1', '-W', '1', info.ipv4]);
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    }
  });

  it('lets tasks in one subnet reach each other', async () => {
    const result = await wgetIn(task('a1').netnsName, `http://${task('a1b').ipv4}/`);
    assert.equal(result.stdout, 'hello from a1b', result.stderr);
  });

  it('lets tasks in different subnets of one VPC reach each other, without NAT', async () => {
    const there = await wgetIn(task('a1').netnsName, `http://${task('a2').ipv4}/cgi-bin/whoami`);
    assert.equal(there.stdout, task('a1').ipv4, there.stderr);
    const back = await wgetIn(task('a2').netnsName, `http://${task('a1').ipv4}/`);
    assert.equal(back.stdout, 'hello from a1', back.stderr);
  });

  it('keeps tasks of different VPCs apart, even with public IPs', async () => {
    const there = await wgetIn(task('a1').netnsName, `http://${task('b1').ipv4}/`);
    assert.notEqual(there.stdout, 'hello from b1');
    assert.notEqual(there.code, 0);
    const back = await wgetIn(task('b1').netnsName, `http://${task('a2').ipv4}/`);
    assert.notEqual(back.code, 0);
    assert.notEqual((await pingIn(task('b1').netnsName, task('a1').ipv4)).code, 0);
    // ...and a task cannot hop through the other VPC's gateway address either.
    assert.notEqual((await wgetIn(task('b1').netnsName, `http://10.231.1.1:${hostPort}/`)).code, 0);
  });

  it('lets processes that join a task namespace by path share its localhost', async () => {
    const { netnsPath } = task('a2');
    const sidecar = ['busybox', 'nc', '-ll', '-p', '9000', '-e', 'echo', 'from-the-sidecar'];
    processes.start(['nsenter', `--net=${netnsPath}`, ...sidecar]);
    await waitFor('the sidecar listener', async () => {
      const result = await joinNetns(netnsPath, ['busybox', 'nc', '127.0.0.1', '9000'], { timeoutMs: 1_000 });
      return result.stdout.trim() === 'from-the-sidecar';
    });
    // The host's own localhost is another one.
    const fromHost = await run('busybox', ['nc', '-w', '1', '127.0.0.1', '9000'], { timeoutMs: 2_000 });
    assert.notEqual(fromHost.stdout.trim(), 'from-the-sidecar');
  });

  it('lets tasks reach their gateway but not the host addresses outside the VPC', async () => {
    await processes.httpd(undefined, `0.0.0.0:${hostPort}`, 'the host');
    const outside = await hostAddressOutsideVpcs();
    await waitFor(
      'the host httpd',
      async () => (await hostGet(`http://127.0.0.1:${hostPort}/`)) === 'the host',
    );
    const viaGateway = await wgetIn(task('a1').netnsName, `http://${task('a1').gateway}:${hostPort}/`);
    assert.equal(viaGateway.stdout, 'the host', viaGateway.stderr);
    const viaOutside = await wgetIn(task('a1').netnsName, `http://${outside}:${hostPort}/`);
    assert.notEqual(viaOutside.code, 0, `${outside} answered: ${viaOutside.stdout}`);
  });

  it("maps host services onto a listen port of their own, keeping each task's IP as the source", async () => {
    const listenPort = 18_232;
    await network.ensureHostAddress(hostServiceAddress);
    await processes.httpd(undefined, `${hostServiceAddress}:${listenPort}`, 'metadata');
    await processes.httpd(undefined, `${hostServiceAddress}:${listenPort + 1}`, 'not exposed');
    await waitFor(
      'the host services',
      async () =>
        (await hostGet(`http://${hostServiceAddress}:${listenPort}/`)) === 'metadata' &&
        (await hostGet(`http://${hostServiceAddress}:${listenPort + 1}/`)) === 'not exposed',
    );
    await network.exposeHostService({ address: hostServiceAddress, port: 80, protocol: 'tcp', listenPort });
    for (const taskId of ['a1', 'b1']) {
      const result = await wgetIn(task(taskId).netnsName, `http://${hostServiceAddress}/cgi-bin/whoami`);
      assert.equal(result.stdout, task(taskId).ipv4, result.stderr);
    }
    // A task without egress reaches what is exposed, not what else listens at the address.
    const unexposed = await wgetIn(task('a1').netnsName, `http://${hostServiceAddress}:${listenPort + 1}/`);
    assert.notEqual(unexposed.code, 0, `answered: ${unexposed.stdout}`);

    // Exposing again with another listen port replaces the mapping (a restarted server's new port).
    await network.exposeHostService({
      address: hostServiceAddress,
      port: 80,
      protocol: 'tcp',
      listenPort: listenPort + 1,
    });
    assert.equal((await wgetIn(task('a1').netnsName, `http://${hostServiceAddress}/`)).stdout, 'not exposed');
    const inventory = await network.list();
    assert.deepEqual(inventory.hostAddresses, [hostServiceAddress]);
    assert.deepEqual(inventory.nft.hostServices, [
      { address: hostServiceAddress, protocol: 'tcp', port: 80, listenPort: listenPort + 1 },
    ]);

    await network.removeHostService({ address: hostServiceAddress, port: 80, protocol: 'tcp' });
    assert.notEqual((await wgetIn(task('a1').netnsName, `http://${hostServiceAddress}/`)).code, 0);
    assert.deepEqual((await network.list()).nft.hostServices, []);
  });

  it('lets tasks reach the load balancer listeners opened for them, only those and only while open', async () => {
    const listenerPort = 18_236;
    const everywherePort = 18_238;
    await network.ensureHostAddress(lbAddress);
    await network.ensureHostAddress(hostServiceAddress);
    await processes.httpd(undefined, `${lbAddress}:${listenerPort}`, 'listener');
    await processes.httpd(undefined, `${lbAddress}:${listenerPort + 1}`, 'another port');
    // As sshd does: on every address of the host, the host service and load balancer ones too.
    await processes.httpd(undefined, `0.0.0.0:${everywherePort}`, 'everywhere');
    await waitFor(
      'the listeners',
      async () =>
        (await hostGet(`http://${lbAddress}:${listenerPort}/`)) === 'listener' &&
        (await hostGet(`http://${lbAddress}:${listenerPort + 1}/`)) === 'another port' &&
        (await hostGet(`http://${lbAddress}:${everywherePort}/`)) === 'everywhere',
    );
    const listener = { address: lbAddress, port: listenerPort };
    const url = `http://${lbAddress}:${listenerPort}/cgi-bin/whoami`;
    const unreached = async (what: string, target: string) => {
      const result = await wgetIn(task('a1').netnsName, target);
      assert.notEqual(result.code, 0, `${what} answered: ${result.stdout}`);
    };
    await unreached('a listener not opened', url);

    await network.openLbListener(listener);
    await network.openLbListener(listener); // opening again changes nothing
    // A task without egress reaches it, directly: its own IP is the source.
    const reached = await wgetIn(task('a1').netnsName, url);
    assert.equal(reached.stdout, task('a1').ipv4, reached.stderr);
    await unreached('another port of the address', `http://${lbAddress}:${listenerPort + 1}/`);
    await unreached('a server on every address', `http://${lbAddress}:${everywherePort}/`);
    await unreached(
      'that server at a host service address',
      `http://${hostServiceAddress}:${everywherePort}/`,
    );
    assert.deepEqual((await network.list()).nft.lbListeners, [listener]);

    await network.closeLbListener(listener);
    await network.closeLbListener(listener); // closing what is closed is not an error
    await unreached('a closed listener', url);
    assert.deepEqual((await network.list()).nft.lbListeners, []);
  });

  it('maps UDP host services too (a DNS server for tasks)', async () => {
    const server = createSocket('udp4');
    const seen: string[] = [];
    server.on('message', (_message, from) => seen.push(from.address));
    await new Promise<void>((resolve) => server.bind(0, hostServiceAddress, resolve));
    try {
      const listenPort = server.address().port;
      await network.exposeHostService({ address: hostServiceAddress, port: 53, protocol: 'udp', listenPort });
      // The server never answers: what counts is that the query reached it, from the task's own IP.
      await inNetns(task('a1').netnsName, ['busybox', 'nslookup', 'example.test', hostServiceAddress], {
        timeoutMs: 1_000,
      });
      await waitFor('the DNS query', async () => seen.length > 0);
      assert.equal(seen[0], task('a1').ipv4);
    } finally {
      server.close();
      await network.removeHostService({ address: hostServiceAddress, port: 53, protocol: 'udp' });
    }
  });

  it('restores what a flush removed: host addresses, and the services and listeners this instance opened', async () => {
    const listenPort = 18_234;
    const listener = { address: lbAddress, port: 18_239 };
    await network.ensureHostAddress(lbAddress);
    await processes.httpd(undefined, `${hostServiceAddress}:${listenPort}`, 'restored');
    await processes.httpd(undefined, `${lbAddress}:${listener.port}`, 'restored listener');
    await waitFor(
      'the restored service and listener',
      async () =>
        (await hostGet(`http://${hostServiceAddress}:${listenPort}/`)) === 'restored' &&
        (await hostGet(`http://${lbAddress}:${listener.port}/`)) === 'restored listener',
    );
    await network.exposeHostService({ address: hostServiceAddress, port: 80, protocol: 'tcp', listenPort });
    await network.openLbListener(listener);
    const listenerUrl = `http://${lbAddress}:${listener.port}/`;
    // What a firewall reload does: both tables gone, with every element.
    await run('nft', ['delete', 'table', 'ip', network.names.table]);
    await run('nft', ['delete', 'table', 'bridge', network.names.table]);
    assert.notEqual((await wgetIn(task('a1').netnsName, `http://${hostServiceAddress}/`)).code, 0);
    await network.restore();
    const result = await wgetIn(task('a1').netnsName, `http://${hostServiceAddress}/`);
    assert.equal(result.stdout, 'restored', result.stderr);
    const toListener = await wgetIn(task('a1').netnsName, listenerUrl);
    assert.equal(toListener.stdout, 'restored listener', toListener.stderr);
    assert.deepEqual((await network.list()).nft.lbListeners, [listener]);
    // A restored VPC still isolates: the base ruleset and subnets came back too.
    assert.notEqual((await wgetIn(task('b1').netnsName, `http://${task('a1').ipv4}/`)).code, 0);
    await network.removeHostAddress(hostServiceAddress);
    await network.removeHostAddress(lbAddress);
    assert.notEqual((await wgetIn(task('a1').netnsName, `http://${hostServiceAddress}/`)).code, 0);
    const inventory = await network.list();
    assert.deepEqual(
      [inventory.hostAddresses, inventory.nft.hostServices, inventory.nft.lbListeners],
      [[], [], []],
    );
  });

  it('lets an agent of the next server process drop the listeners and services the last one left', async () => {
    const listener = { address: lbAddress, port: 18_240 };
    const listenerUrl = `http://${lbAddress}:${listener.port}/`;
    await network.ensureHostAddress(lbAddress);
    await processes.httpd(undefined, `${lbAddress}:${listener.port}`, 'left behind');
    await waitFor('the listener', async () => (await hostGet(listenerUrl)) === 'left behind');
    await network.openLbListener(listener);
    assert.equal((await wgetIn(task('a1').netnsName, listenerUrl)).stdout, 'left behind');

    // The same prefix, as the next server's agent makes it: the last one's elements go at its start.
    const successor = new TaskNetwork({ prefix, egressGroup: 0x6e01, egressMark: 0x0200_0000 });
    const found = await successor.restore();
    assert.deepEqual(found.nft.lbListeners, [listener]);
    const inventory = await successor.list();
    assert.deepEqual([inventory.nft.lbListeners, inventory.nft.hostServices], [[], []]);
    assert.ok(inventory.hostAddresses.includes(lbAddress));
    assert.notEqual((await wgetIn(task('a1').netnsName, listenerUrl)).code, 0);
    // Its data plane opens the listeners it binds again.
    await successor.openLbListener(listener);
    assert.equal((await wgetIn(task('a1').netnsName, listenerUrl)).stdout, 'left behind');
    await successor.removeHostAddress(lbAddress);
    assert.deepEqual((await successor.list()).nft.lbListeners, []);
  });

  it('lets no task send as another of its subnet: not with its address, nor with its MAC too', async () => {
    const listenPort = 18_235;
    await network.ensureHostAddress(hostServiceAddress);
    await processes.httpd(undefined, `${hostServiceAddress}:${listenPort}`, 'who');
    await waitFor(
      'the whoami service',
      async () => (await hostGet(`http://${hostServiceAddress}:${listenPort}/`)) === 'who',
    );
    await network.exposeHostService({ address: hostServiceAddress, port: 80, protocol: 'tcp', listenPort });
    const whoami = `http://${hostServiceAddress}/cgi-bin/whoami`;
    const victim = task('a1');
    const thief = task('a1b');
    const inThief = (args: string[]) => run('ip', ['-n', thief.netnsName, ...args]);
    const become = async (ipv4: string, mac: string) => {
      await inThief(['link', 'set', 'eth0', 'down']);
      await inThief(['link', 'set', 'eth0', 'address', mac]);
      await inThief(['addr', 'flush', 'dev', 'eth0']);
      await inThief(['addr', 'add', `${ipv4}/24`, 'dev', 'eth0']);
      await inThief(['link', 'set', 'eth0', 'up']);
      await inThief(['route', 'replace', 'default', 'via', thief.gateway, 'dev', 'eth0']);
    };
    try {
      await become(victim.ipv4, thief.macAddress);
      assert.notEqual(
        (await wgetIn(thief.netnsName, whoami)).code,
        0,
        'answered with the address of another task',
      );
      await become(victim.ipv4, victim.macAddress);
      assert.notEqual(
        (await wgetIn(thief.netnsName, whoami)).code,
        0,
        'answered with the MAC of another task',
      );
    } finally {
      await become(thief.ipv4, thief.macAddress);
    }
    // Both are themselves again: the attempts changed nothing on the host (its ARP cache, the bridge).
    assert.equal((await wgetIn(thief.netnsName, whoami)).stdout, thief.ipv4);
    assert.equal((await wgetIn(victim.netnsName, whoami)).stdout, victim.ipv4);
    await network.removeHostService({ address: hostServiceAddress, port: 80, protocol: 'tcp' });
  });

  it('lists what it made, and after deletes and teardown nothing is left', async () => {
    const inventory = await network.list();
    assert.deepEqual(inventory.tasks.map((t) => [t.taskId, t.complete, t.eni?.ipv4]).sort(), [
      ['a1', true, task('a1').ipv4],
      ['a1b', true, task('a1b').ipv4],
      ['a2', true, task('a2').ipv4],
      ['b1', true, task('b1').ipv4],
    ]);
    assert.deepEqual(inventory.subnets.map((s) => s.subnetId).sort(), [
      'subnet-nta-a1',
      'subnet-nta-a2',
      'subnet-nta-b1',
    ]);
    assert.deepEqual(inventory.nft.sets.vpc_cidrs?.slice().sort(), ['10.231.0.0/16', '10.232.0.0/16']);
    await processes.stopAll();
    for (const taskId of tasks.keys()) await network.deleteTaskNetns(taskId);
    for (const subnet of [subnetA1, subnetA2, subnetB1]) await network.removeSubnet(subnet.subnetId);
    const empty = await network.list();
    assert.deepEqual([empty.tasks, empty.subnets, empty.strayLinks], [[], [], []]);
    assert.deepEqual(empty.nft.sets.vpc_cidrs, []);
    assert.deepEqual(empty.nft.sets.bridges, []);
    await network.teardown();
    assert.deepEqual(await hostLeftovers(prefix, network.names.table), []);
  });
});

/** A global IPv4 address of the host outside every VPC of this test (its LAN address). */
async function hostAddressOutsideVpcs(): Promise<string> {
  const links = JSON.parse((await run('ip', ['-j', '-4', 'addr', 'show', 'scope', 'global'])).stdout);
  for (const link of links) {
    for (const info of link.addr_info ?? []) {
      if (!String(info.local).startsWith('10.23')) return info.local;
    }
  }
  throw new Error('The host has no global IPv4 address outside the test VPCs');
}
