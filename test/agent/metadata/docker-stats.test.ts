import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerStats, type StatsSample } from '../../../src/agent/metadata/docker-stats.ts';
import { parseRuncStats } from '../../../src/agent/runtime/runc.ts';

/** `runc events --stats` as runc 1.1 prints it on cgroup v1 (trimmed). */
const RUNC_V1 = {
  type: 'stats',
  id: 'x',
  data: {
    cpu: {
      usage: { percpu: [182359190, 178608875], total: 360968065, kernel: 40000000, user: 290000000 },
      throttling: { periods: 12, throttled_periods: 2, throttled_time: 5000 },
    },
    memory: {
      usage: { limit: 134217728, usage: 1806336, max: 6299648, failcnt: 0 },
      raw: {
        cache: 0,
        rss: 606208,
        total_rss: 606208,
        total_inactive_file: 4096,
        hierarchical_memory_limit: 134217728,
      },
    },
    pids: { current: 3 },
    blkio: {
      ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }],
      ioServicedRecursive: [{ major: 8, minor: 0, op: 'Read', value: 1 }],
    },
  },
};

const sample = (at: number, event: unknown, systemCpuNs: number): StatsSample => ({
  readAtMs: at,
  cgroup: parseRuncStats(event),
  systemCpuNs,
  networks: new Map([
    [
      'eth0',
      {
        rxBytes: 84,
        rxPackets: 2,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: 42,
        txPackets: 1,
        txErrors: 0,
        txDropped: 0,
      },
    ],
  ]),
});

describe('docker stats from cgroup readings', () => {
  const now = Date.UTC(2020, 9, 2, 0, 51, 13, 410);

  it("has the shape of Docker's ContainerStats, zero precpu_stats without an earlier reading", () => {
    const out = dockerStats({
      id: 'abc-1',
      name: 'curl',
      onlineCpus: 2,
      memoryLimitBytes: 134217728,
      current: sample(now, RUNC_V1, 13939680000000),
    });
    assert.deepEqual(out, {
      read: '2020-10-02T00:51:13.41Z',
      preread: '0001-01-01T00:00:00Z',
      pids_stats: { current: 3 },
      blkio_stats: {
        io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }],
        io_serviced_recursive: [{ major: 8, minor: 0, op: 'Read', value: 1 }],
        io_queue_recursive: [],
        io_service_time_recursive: [],
        io_wait_time_recursive: [],
        io_merged_recursive: [],
        io_time_recursive: [],
        sectors_recursive: [],
      },
      num_procs: 0,
      storage_stats: {},
      cpu_stats: {
        cpu_usage: {
          total_usage: 360968065,
          percpu_usage: [182359190, 178608875],
          usage_in_kernelmode: 40000000,
          usage_in_usermode: 290000000,
        },
        system_cpu_usage: 13939680000000,
        online_cpus: 2,
        throttling_data: { periods: 12, throttled_periods: 2, throttled_time: 5000 },
      },
      precpu_stats: {
        cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
        throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
      },
      memory_stats: {
        usage: 1806336,
        max_usage: 6299648,
        stats: {
          cache: 0,
          rss: 606208,
          total_rss: 606208,
          total_inactive_file: 4096,
          hierarchical_memory_limit: 134217728,
        },
        limit: 134217728,
      },
      name: '/curl',
      id: 'abc-1',
      networks: {
        eth0: {
          rx_bytes: 84,
          rx_packets: 2,
          rx_errors: 0,
          rx_dropped: 0,
          tx_bytes: 42,
          tx_packets: 1,
          tx_errors: 0,
          tx_dropped: 0,
        },
      },
    });
  });

  it('takes the earlier reading as precpu_stats, so CPU use over the interval can be worked out', () => {
    const earlier = sample(now - 1000, RUNC_V1, 13937670000000);
    const later = structuredClone(RUNC_V1);
    later.data.cpu.usage.total = 361968065;
    const out = dockerStats({
      id: 'abc-1',
      name: 'curl',
      onlineCpus: 2,
      memoryLimitBytes: 1,
      current: sample(now, later, 13939680000000),
      previous: earlier,
    }) as { preread: string; cpu_stats: CpuStats; precpu_stats: CpuStats };
    assert.equal(out.preread, '2020-10-02T00:51:12.41Z');
    const cpuDelta = out.cpu_stats.cpu_usage.total_usage - out.precpu_stats.cpu_usage.total_usage;
    const systemDelta = out.cpu_stats.system_cpu_usage - out.precpu_stats.system_cpu_usage;
    assert.equal(cpuDelta, 1_000_000);
    assert.equal(systemDelta, 2_010_000_000);
  });

  it('leaves out what cgroup v2 does not keep: per-cpu usage and the peak', () => {
    const v2 = {
      data: {
        cpu: { usage: { total: 5000, kernel: 1000, user: 4000 } },
        memory: { usage: { usage: 8192, limit: 0 }, raw: { anon: 4096, file: 4096 } },
        pids: { current: 1, limit: 100 },
      },
    };
    const out = dockerStats({
      id: 'abc-1',
      name: 'curl',
      onlineCpus: 4,
      memoryLimitBytes: 536870912,
      current: sample(now, v2, 1),
    }) as { cpu_stats: CpuStats; memory_stats: Record<string, unknown>; pids_stats: unknown };
    assert.equal('percpu_usage' in out.cpu_stats.cpu_usage, false);
    assert.equal('max_usage' in out.memory_stats, false);
    assert.deepEqual(out.memory_stats.stats, { anon: 4096, file: 4096 });
    assert.equal(out.memory_stats.limit, 536870912);
    assert.deepEqual(out.pids_stats, { current: 1, limit: 100 });
  });
});

interface CpuStats {
  cpu_usage: { total_usage: number };
  system_cpu_usage: number;
}
