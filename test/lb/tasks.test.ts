import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { NetworkInventory } from '../../src/agent/network/host-inventory.ts';
import { TaskNetwork } from '../../src/agent/network/task-network.ts';
import { LbDnsServer } from '../../src/lb/lb-dns-server.ts';
import { taskAddressFor } from '../../src/lb/task-address.ts';
import {
  cannotRunTasks,
  isRunning,
  registerTask,
  runTask,
  startTaskNeargate,
  taskIp,
  waitForTask,
} from '../support/tasks.ts';
import {
  alb,
  fetchText,
  forward,
  freeListenerAddress,
  httpListener,
  rule,
  silent,
  targetGroup,
  untilState,
  workerDataPlane,
} from './support.ts';

const run = promisify(execFile);

test('real tasks running busybox httpd behind an ALB: reached from the host, and from a task through its task address and the DNS server', {
  skip: cannotRunTasks,
  timeout: 180_000,
}, async (t) => {
  const ng = await startTaskNeargate();
  t.after(() => ng.stop());
  const taskDefinition = await registerTask(ng.client, [
    {
      name: 'web',
      command: [
        'sh',
        '-c',
        'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait',
      ],
      portMappings: [{ containerPort: 8080 }],
    },
  ]);
  const tasks = await Promise.all([runTask(ng.client, taskDefinition), runTask(ng.client, taskDefinition)]);
  const running = await Promise.all(
    tasks.map((task) => waitForTask(ng.client, task.taskArn!, isRunning, 60_000)),
  );
  const ips = running.map(taskIp);

  // What main.ts wires: the agent's host addresses, under this server's prefix, which the data
  // plane's thread has the main thread call.
  const network = new TaskNetwork({ prefix: ng.config.hostPrefix });
  const hostAddresses = {
    ensure: (ip: string) => network.ensureHostAddress(ip),
    remove: (ip: string) => network.removeHostAddress(ip),
    openPort: (ip: string, port: number) => network.openLbListener({ address: ip, port }),
    closePort: (ip: string, port: number) => network.closeLbListener({ address: ip, port }),
  };
  const dp = workerDataPlane(t, { hostAddresses });
  const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/httpd/1';
  const { address, port } = freeListenerAddress();
  const lb = alb('arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/httpd/1', address, [
    httpListener(port, [rule('default', [], forward(TG))]),
  ]);
  await dp.apply({
    targetGroups: [
      targetGroup(
        TG,
        ips.map((id) => ({ id, port: 8080 })),
      ),
    ],
    loadBalancers: [lb],
  });
  await untilState(dp, TG, 'healthy', 2);

  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const reply = await fetchText(`http://${address}:${port}/`);
    assert.equal(reply.status, 200);
    seen.add(reply.body.trim());
  }
  assert.equal(seen.size, 2, `both tasks answered: ${[...seen].join(' | ')}`);

  // From inside the first task's network namespace: the DNS server answers the load balancer's
  // name with its task address, and the load balancer answers there.
  const taskAddress = dp.taskAddress(lb.arn) ?? '';
  assert.match(taskAddress, /^169\.254\./);
  const dnsAddress = taskAddressFor(`dns-${ng.config.hostPrefix}-${process.pid}`, new Set([taskAddress]));
  await network.ensureHostAddress(dnsAddress);
  t.after(() => network.removeHostAddress(dnsAddress));
  const dns = await LbDnsServer.start({
    address: dnsAddress,
    port: 0,
    lookup: (name) => dp.lookupForTasks(name),
    log: silent,
  });
  t.after(() => dns.close());
  // As the server's own (src/lb/task-dns.ts): tasks' port 53 is mapped onto the port it took.
  await network.exposeHostService({ address: dnsAddress, port: 53, protocol: 'udp', listenPort: dns.port });
  const netns = network.netnsPath(running[0]!.taskArn!.split('/').at(-1)!);
  const inTask = (...args: string[]) =>
    run('nsenter', [`--net=${netns}`, 'busybox', ...args], { timeout: 20_000 });
  const { stdout: lookup } = await inTask('nslookup', lb.dnsName, dnsAddress);
  assert.match(lookup, new RegExp(`Address:\\s+${taskAddress.replaceAll('.', '\\.')}\\b`), lookup);
  const { stdout: page } = await inTask('wget', '-qO-', `http://${taskAddress}:${port}/`);
  assert.match(page, /^hello from /);
  // The host's own loopback address of the load balancer is not reachable from a task.
  const loopback = await inTask('wget', '-T', '2', '-qO-', `http://${address}:${port}/`).then(
    () => 'reached',
    () => 'unreachable',
  );
  assert.equal(loopback, 'unreachable');
  // Tasks reach the ports of its listeners at its task address, nothing else there.
  assert.deepEqual(listenersAt(await network.list(), taskAddress), [{ address: taskAddress, port }]);

  // The listener moves to another port: the old one closes to tasks, the new one opens.
  const moved = port + 1; // freeListenerAddress picks ports below 60_000
  await dp.apply({
    targetGroups: [
      targetGroup(
        TG,
        ips.map((id) => ({ id, port: 8080 })),
      ),
    ],
    loadBalancers: [{ ...lb, listeners: [httpListener(moved, [rule('default', [], forward(TG))])] }],
  });
  assert.deepEqual(listenersAt(await network.list(), taskAddress), [{ address: taskAddress, port: moved }]);
  const { stdout: again } = await inTask('wget', '-qO-', `http://${taskAddress}:${moved}/`);
  assert.match(again, /^hello from /);

  // Closed, the data plane leaves neither the address nor a listener open to tasks.
  await dp.close();
  const after = await network.list();
  assert.deepEqual(listenersAt(after, taskAddress), []);
  assert.ok(!after.hostAddresses.includes(taskAddress), after.hostAddresses.join(', '));
});

function listenersAt(inventory: NetworkInventory, address: string) {
  return inventory.nft.lbListeners.filter((listener) => listener.address === address);
}
