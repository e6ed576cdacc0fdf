/** Counters the kernel keeps in /proc, parsed. Pure, so they are tested without a host. */

/** One interface's line of /proc/net/dev. */
export interface InterfaceCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** /proc/<pid>/net/dev, by interface name: the counters of the network namespace of that process. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    // rx: bytes packets errs drop fifo frame compressed multicast; then tx: bytes packets errs drop ...
    if (name === '' || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.set(name, {
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDropped: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDropped: f[11]!,
    });
  }
  return out;
}

/** USER_HZ: the unit of /proc/stat's times on every Linux architecture neargate runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The host's CPU time since boot in nanoseconds, from /proc/stat's `cpu` line, summed as Docker
 * sums it for `system_cpu_usage` (user, nice, system, idle, iowait, irq, softirq).
 */
export function parseSystemCpuNs(procStat: string): number {
  const line = procStat.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) throw new RangeError('/proc/stat has no cpu line');
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((sum, field) => sum + Number(field), 0);
  return (ticks * 1e9) / CLOCK_TICKS_PER_SECOND;
}

/** `nameserver` and `search` of a resolv.conf. */
export function parseResolvConf(text: string): { nameservers: string[]; search: string[] } {
  const nameservers: string[] = [];
  let search: string[] = [];
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) nameservers.push(values[0]);
    else if (key === 'search' || key === 'domain') search = values.filter((v) => v !== '');
  }
  return { nameservers, search };
}
