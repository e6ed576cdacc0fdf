import type { BlkioEntry, ContainerStats } from '../runtime/runc.ts';
import { rfc3339 } from './metadata-responses.ts';
import type { InterfaceCounters } from './proc-counters.ts';

/** One reading of a container's counters. */
export interface StatsSample {
  readAtMs: number;
  cgroup: ContainerStats;
  /** The host's CPU time since boot (Docker's `system_cpu_usage`). */
  systemCpuNs: number;
  /** The task's interfaces other than `lo`, by name. */
  networks: ReadonlyMap<string, InterfaceCounters>;
}

export interface DockerStatsInput {
  /** Docker's `id`: the runtime id, Fargate's DockerId. */
  id: string;
  name: string;
  onlineCpus: number;
  /** The limit that applies: the container's own, else its task's. */
  memoryLimitBytes: number;
  current: StatsSample;
  /** The reading before, for `precpu_stats`; without one they are zero, as in Docker's one-shot stats. */
  previous?: StatsSample;
}

/** runc's names of the blkio counters, and Docker's. */
const BLKIO = {
  ioServiceBytesRecursive: 'io_service_bytes_recursive',
  ioServicedRecursive: 'io_serviced_recursive',
  ioQueueRecursive: 'io_queue_recursive',
  ioServiceTimeRecursive: 'io_service_time_recursive',
  ioWaitTimeRecursive: 'io_wait_time_recursive',
  ioMergedRecursive: 'io_merged_recursive',
  ioTimeRecursive: 'io_time_recursive',
  sectorsRecursive: 'sectors_recursive',
} as const;

/** Docker's zero time, which it reports as `preread` when there is no earlier reading. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * A container's stats as Docker's ContainerStats API shapes them (API 1.30, which the task
 * metadata endpoint documents), from readings of its cgroup and its task's interfaces.
 */
export function dockerStats(input: DockerStatsInput): Record<string, unknown> {
  const { current, previous } = input;
  const c = current.cgroup;
  const blkio: Record<string, BlkioEntry[]> = {};
  for (const [runc, docker] of Object.entries(BLKIO)) blkio[docker] = [...(c.blkio[runc] ?? [])];
  const networks: Record<string, unknown> = {};
  for (const [name, n] of current.networks) {
    networks[name] = {
      rx_bytes: n.rxBytes,
      rx_packets: n.rxPackets,
      rx_errors: n.rxErrors,
      rx_dropped: n.rxDropped,
      tx_bytes: n.txBytes,
      tx_packets: n.txPackets,
      tx_errors: n.txErrors,
      tx_dropped: n.txDropped,
    };
  }
  return {
    read: rfc3339(current.readAtMs),
    preread: previous ? rfc3339(previous.readAtMs) : ZERO_TIME,
    pids_stats: { current: c.pids.current, ...(c.pids.limit !== null && { limit: c.pids.limit }) },
    blkio_stats: blkio,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current, input.onlineCpus),
    precpu_stats: previous
      ? cpuStats(previous, input.onlineCpus)
      : {
          cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
          throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
        },
    memory_stats: {
      usage: c.memory.usageBytes,
      ...(c.memory.maxUsageBytes > 0 && { max_usage: c.memory.maxUsageBytes }),
      stats: { ...c.memory.raw },
      ...(c.memory.failCount > 0 && { failcnt: c.memory.failCount }),
      limit: input.memoryLimitBytes,
    },
    name: `/${input.name}`,
    id: input.id,
    networks,
  };
}

function cpuStats(s: StatsSample, onlineCpus: number): Record<string, unknown> {
  const cpu = s.cgroup.cpu;
  return {
    cpu_usage: {
      total_usage: cpu.totalNs,
      ...(cpu.perCpuNs.length > 0 && { percpu_usage: [...cpu.perCpuNs] }),
      usage_in_kernelmode: cpu.kernelNs,
      usage_in_usermode: cpu.userNs,
    },
    system_cpu_usage: s.systemCpuNs,
    online_cpus: onlineCpus,
    throttling_data: {
      periods: cpu.periods,
      throttled_periods: cpu.throttledPeriods,
      throttled_time: cpu.throttledTimeNs,
    },
  };
}
