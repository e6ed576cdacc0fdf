/** Docker's default capability set, which ECS containers get unless their task definition says otherwise. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability of Linux 5.9 and later, in bit order (CAP_CHOWN is bit 0). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** ECS linuxParameters.capabilities: names with or without `CAP_`, any case, or `ALL`. */
export interface CapabilityChanges {
  readonly add?: readonly string[];
  readonly drop?: readonly string[];
}

/**
 * The capability set of a container, by Docker's rules: adding ALL gives every capability but the
 * dropped ones; dropping ALL keeps only the added ones; otherwise the defaults minus the dropped
 * plus the added. An unknown name is a RangeError.
 */
export function resolveCapabilities(
  { add = [], drop = [] }: CapabilityChanges,
  supported: readonly string[] = ALL_CAPABILITIES,
): string[] {
  const adds = add.map((name) => normalizeCapability(name, supported));
  const drops = drop.map((name) => normalizeCapability(name, supported));
  let result: string[];
  if (adds.includes('ALL')) {
    result = supported.filter((name) => !drops.includes(name));
  } else if (drops.includes('ALL')) {
    result = adds;
  } else {
    result = [...DEFAULT_CAPABILITIES.filter((name) => !drops.includes(name)), ...adds];
  }
  return [...new Set(result)];
}

function normalizeCapability(name: string, supported: readonly string[]): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return upper;
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!supported.includes(full)) throw new RangeError(`Unknown capability "${name}"`);
  return full;
}

/**
 * The OCI capability sets for a process, as Docker fills them: root gets the set as bounding,
 * effective and permitted; any other user only as bounding, as execve(2) would leave it; no
 * inheritable set (CVE-2022-24769).
 */
export function capabilitySets(capabilities: readonly string[], uid: number) {
  const list = [...capabilities];
  return uid === 0
    ? { bounding: list, effective: [...list], permitted: [...list] }
    : { bounding: list, effective: [], permitted: [] };
}
