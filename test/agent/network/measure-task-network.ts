/**
 * Times createTaskNetns and deleteTaskNetns on this host (root). Not a test: run it with
 *   node --import tsx test/agent/network/measure-task-network.ts [rounds]
 * It belongs under bench/ once that exists on the branch it is merged into.
 */

import type { AssignPublicIp, SubnetSpec } from '../../../src/agent/network/network-spec.ts';
import { TaskNetwork } from '../../../src/agent/network/task-network.ts';
import { parseCidr } from '../../../src/core/cidr.ts';
import { allocateIpv4, macAddressFromId } from '../../../src/core/ipam.ts';

const rounds = Number(process.argv[2] ?? 100);
const subnet: SubnetSpec = {
  vpcId: 'vpc-ntb',
  vpcCidr: '10.236.0.0/16',
  subnetId: 'subnet-ntb',
  cidr: '10.236.0.0/20',
};
const network = new TaskNetwork({ prefix: 'ntb', egressGroup: 0x6e04, egressMark: 0x1000_0000 });

function percentile(values: readonly number[], q: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN).toFixed(1);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const rows: Array<[string, number[]]> = [];
try {
  await network.teardown();
  rows.push(['ensureSubnet (new bridge)', [await timed(() => network.ensureSubnet(subnet))]]);
  const cached: number[] = [];
  for (let i = 0; i < rounds; i++) cached.push(await timed(() => network.ensureSubnet(subnet)));
  rows.push(['ensureSubnet (ensured before)', cached]);

  for (const assignPublicIp of ['DISABLED', 'ENABLED'] as AssignPublicIp[]) {
    const create: number[] = [];
    const remove: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const taskId = `m${i}`;
      const ipv4 = allocateIpv4(parseCidr(subnet.cidr), [], { after: `10.236.0.${(i % 200) + 3}` });
      if (ipv4 === undefined) throw new Error('Subnet full');
      const eni = { subnet, ipv4, macAddress: macAddressFromId(taskId), assignPublicIp };
      create.push(await timed(() => network.createTaskNetns(taskId, eni)));
      remove.push(await timed(() => network.deleteTaskNetns(taskId)));
    }
    rows.push(
      [`createTaskNetns (${assignPublicIp})`, create],
      [`deleteTaskNetns (${assignPublicIp})`, remove],
    );
  }

  const parallel = 20;
  const eni = (i: number) => ({
    subnet,
    ipv4: `10.236.1.${i + 10}`,
    macAddress: macAddressFromId(`p${i}`),
    assignPublicIp: 'DISABLED' as const,
  });
  const ids = Array.from({ length: parallel }, (_, i) => i);
  rows.push([
    `${parallel} createTaskNetns at once (total)`,
    [await timed(() => Promise.all(ids.map((i) => network.createTaskNetns(`p${i}`, eni(i)))))],
  ]);
  rows.push([
    `${parallel} deleteTaskNetns at once (total)`,
    [await timed(() => Promise.all(ids.map((i) => network.deleteTaskNetns(`p${i}`))))],
  ]);
} finally {
  await network.teardown();
}

console.log(`| operation | n | p50 ms | p90 ms | max ms |\n|---|---|---|---|---|`);
for (const [name, values] of rows) {
  console.log(
    `| ${name} | ${values.length} | ${percentile(values, 0.5)} | ${percentile(values, 0.9)} | ${percentile(values, 1)} |`,
  );
}
