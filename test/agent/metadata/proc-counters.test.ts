import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetDev, parseResolvConf, parseSystemCpuNs } from '../../../src/agent/metadata/proc-counters.ts';

describe('/proc counters', () => {
  it('reads each interface of /proc/<pid>/net/dev', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0',
      '  eth0:    3975      13    1    2    0     0          0         0     1520      17    3    4    0     0       0          0',
      '',
    ].join('\n');
    const counters = parseNetDev(text);
    assert.deepEqual([...counters.keys()], ['lo', 'eth0']);
    assert.deepEqual(counters.get('eth0'), {
      rxBytes: 3975,
      rxPackets: 13,
      rxErrors: 1,
      rxDropped: 2,
      txBytes: 1520,
      txPackets: 17,
      txErrors: 3,
      txDropped: 4,
    });
  });

  it('sums the host CPU time as Docker does for system_cpu_usage, in nanoseconds', () => {
    const text = 'cpu  100 1 20 1000 3 4 5 6 7 8\ncpu0 50 0 10 500 1 2 2 3 0 0\n';
    // user nice system idle iowait irq softirq, in 1/100 s.
    assert.equal(parseSystemCpuNs(text), (100 + 1 + 20 + 1000 + 3 + 4 + 5) * 10_000_000);
    assert.throws(() => parseSystemCpuNs('intr 1 2 3\n'), RangeError);
  });

  it('reads the resolvers and search list of a resolv.conf', () => {
    const text =
      '# from the host\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch ec2.internal corp.example\noptions ndots:2\n';
    assert.deepEqual(parseResolvConf(text), {
      nameservers: ['10.0.0.2', '10.0.0.3'],
      search: ['ec2.internal', 'corp.example'],
    });
    assert.deepEqual(parseResolvConf(''), { nameservers: [], search: [] });
  });
});
