/**
 * The nftables scripts neargate applies. Everything lives in two tables of its own (`ip <table>`
 * for filtering and NAT, `bridge <table>` to tag public-IP tasks), so the host's other rules are
 * never flushed. Subnets, VPCs, host services and load balancer listeners are set and map
 * elements; no rule changes per subnet, task, service or listener.
 */

export interface RulesetOptions {
  readonly table: string;
  /** Matches the host veth of every task (`ng-v*`): the ports whose frames must be their task's own. */
  readonly taskPorts: string;
  /** Interface group of host veths whose task has assignPublicIp=ENABLED. */
  readonly egressGroup: number;
  /** Packet mark bit(s) the bridge table sets on frames from those veths. */
  readonly egressMark: number;
}

const SETS = {
  bridges: 'type ifname;',
  bridge_subnets: 'type ifname . ipv4_addr; flags interval;',
  gateways: 'type ifname . ipv4_addr;',
  vpc_cidrs: 'type ipv4_addr; flags interval;',
  vpc_internal: 'type ipv4_addr . ipv4_addr; flags interval;',
  nat_subnets: 'type ipv4_addr; flags interval;',
  host_addrs: 'type ipv4_addr;',
  /** The `address . port` pairs load balancers listen on for tasks (TCP): see LbListenerElement. */
  lb_listeners: 'type ipv4_addr . inet_service;',
} as const;

export type RulesetSet = keyof typeof SETS;

/**
 * What tasks send to `address . protocol . port` on one of this table's bridges goes to
 * `address . listen port` instead: each neargate on a host listens on its own port, while every
 * task finds its host services at the well-known one (169.254.170.2:80).
 */
const HOST_SERVICES_MAP = 'type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service;';

/** A host service as the `host_services` map holds it. */
export interface HostServiceElement {
  readonly address: string;
  readonly protocol: 'tcp' | 'udp';
  /** The port tasks connect to. */
  readonly port: number;
  /** The port the server listens on, at `address`. */
  readonly listenPort: number;
}

/**
 * A load balancer listener as the `lb_listeners` set holds it: tasks reach `address:port` (TCP)
 * directly, with no DNAT, as the load balancer binds its listener on a task address of its own.
 */
export interface LbListenerElement {
  readonly address: string;
  readonly port: number;
}

/**
 * Creates the tables, sets and chains if missing and rewrites the rules, in one transaction. Safe
 * to run again at any time: sets keep their elements, and a newer neargate replaces older rules.
 */
export function baseRulesetScript({ table, taskPorts, egressGroup, egressMark }: RulesetOptions): string {
  const mark = `0x${egressMark.toString(16).padStart(8, '0')}`;
  const hasEgressMark = `meta mark & ${mark} == ${mark}`;
  const ip = `ip ${table}`;
  const lines = [`add table ${ip}`];
  for (const [name, spec] of Object.entries(SETS)) lines.push(`add set ${ip} ${name} { ${spec} }`);
  lines.push(`add map ${ip} host_services { ${HOST_SERVICES_MAP} }`);
  const baseChains = {
    prerouting: 'type nat hook prerouting priority dstnat; policy accept;',
    forward: 'type filter hook forward priority filter; policy accept;',
    input: 'type filter hook input priority filter; policy accept;',
    postrouting: 'type nat hook postrouting priority srcnat; policy accept;',
  };
  for (const [name, spec] of Object.entries(baseChains)) lines.push(`add chain ${ip} ${name} { ${spec} }`);
  const chains = ['prerouting', 'forward', 'input', 'postrouting', 'from_task', 'to_task', 'task_to_host'];
  for (const name of chains.slice(4)) lines.push(`add chain ${ip} ${name}`);
  for (const name of chains) lines.push(`flush chain ${ip} ${name}`);
  const rules: Array<[string, string]> = [
    // DNAT keeps the task's own address as the source, which is how a host service knows its caller.
    ['prerouting', 'iifname @bridges dnat ip to ip daddr . meta l4proto . th dport map @host_services'],
    ['forward', 'iifname @bridges jump from_task'],
    ['forward', 'oifname @bridges jump to_task'],
    // A task may only send from its own subnet's addresses, so the VPC and NAT decisions below
    // cannot be steered by a forged source.
    ['from_task', 'iifname . ip saddr != @bridge_subnets counter drop comment "spoofed source"'],
    // Covers routing between subnets and, with bridge-nf-call-iptables=1, bridged traffic too.
    ['from_task', 'ip saddr . ip daddr @vpc_internal accept'],
    ['from_task', 'ip daddr @vpc_cidrs counter drop comment "another VPC"'],
    ['from_task', `${hasEgressMark} accept comment "assignPublicIp ENABLED"`],
    ['from_task', 'ip saddr @nat_subnets accept comment "private subnet with NAT"'],
    ['from_task', 'counter drop comment "no way out of the VPC"'],
    ['to_task', 'ct state established,related accept'],
    ['to_task', 'counter drop comment "tasks take no connections from outside"'],
    ['input', 'iifname @bridges jump task_to_host'],
    ['task_to_host', 'ct state established,related accept'],
    ['task_to_host', 'iifname . ip daddr @gateways accept comment "own subnet gateway"'],
    // Only the services mapped above: not whatever else listens on the host (sshd on 0.0.0.0:22).
    [
      'task_to_host',
      'ct status dnat ip daddr @host_addrs accept comment "host services (metadata endpoint)"',
    ],
    // Load balancers listen on task addresses of their own (src/lb/task-address.ts): tasks reach
    // the ports of their listeners directly, with no DNAT, and nothing else at those addresses.
    ['task_to_host', 'ip daddr . tcp dport @lb_listeners accept comment "load balancer listeners"'],
    ['task_to_host', `${hasEgressMark} accept`],
    ['task_to_host', 'ip saddr @nat_subnets accept'],
    ['task_to_host', 'counter drop comment "host addresses outside the VPC"'],
    ['postrouting', `${hasEgressMark} ip saddr @vpc_cidrs ip daddr != @vpc_cidrs masquerade`],
    ['postrouting', 'ip saddr @nat_subnets ip daddr != @vpc_cidrs masquerade'],
  ];
  for (const [chain, rule] of rules) lines.push(`add rule ${ip} ${chain} ${rule}`);

  // Routed packets reach the ip family with the bridge as input interface, so the task's own veth
  // is only visible here. Priority -300 runs before br_netfilter hands the packet to the IP hooks.
  const bridge = `bridge ${table}`;
  const port = `iifname "${taskPorts}"`;
  lines.push(
    `add table ${bridge}`,
    `add set ${bridge} task_macs { type ifname . ether_addr; }`,
    `add set ${bridge} task_ips { type ifname . ipv4_addr; }`,
    `add chain ${bridge} prerouting { type filter hook prerouting priority -300; policy accept; }`,
    `flush chain ${bridge} prerouting`,
    // A task sends from its own MAC and address only. Without this, one could take over another
    // task's address in its subnet (a forged source, a poisoned ARP cache, a MAC the bridge learns
    // on the wrong port) and be answered in its place, by its peers and by host services that know
    // their callers by address (the metadata and credentials endpoint).
    `add rule ${bridge} prerouting ${port} iifname . ether saddr != @task_macs counter drop comment "spoofed MAC"`,
    `add rule ${bridge} prerouting ${port} ether type ip iifname . ip saddr != @task_ips counter drop comment "spoofed address"`,
    `add rule ${bridge} prerouting ${port} ether type arp iifname . arp saddr ip != @task_ips counter drop comment "spoofed ARP"`,
    `add rule ${bridge} prerouting ${port} ether type arp iifname . arp saddr ether != @task_macs counter drop comment "spoofed ARP"`,
    `add rule ${bridge} prerouting iifgroup ${egressGroup} meta mark set meta mark | ${mark}`,
  );
  return `${lines.join('\n')}\n`;
}

export interface SubnetElements {
  readonly bridge: string;
  readonly cidr: string;
  readonly gateway: string;
  readonly vpcCidr: string;
  readonly privateWithNat: boolean;
}

/** Registers a subnet (and its VPC, if new) in the sets; adding what exists is a no-op. */
export function addSubnetScript(table: string, subnet: SubnetElements): string {
  const lines = [
    element('add', table, 'bridges', `"${subnet.bridge}"`),
    element('add', table, 'bridge_subnets', `"${subnet.bridge}" . ${subnet.cidr}`),
    element('add', table, 'gateways', `"${subnet.bridge}" . ${subnet.gateway}`),
    element('add', table, 'vpc_cidrs', subnet.vpcCidr),
    element('add', table, 'vpc_internal', `${subnet.vpcCidr} . ${subnet.vpcCidr}`),
  ];
  if (subnet.privateWithNat) lines.push(element('add', table, 'nat_subnets', subnet.cidr));
  else lines.push(...removeElement(table, 'nat_subnets', subnet.cidr));
  return `${lines.join('\n')}\n`;
}

/** Unregisters a subnet, and its VPC when `lastInVpc`; removing what is gone is a no-op. */
export function removeSubnetScript(table: string, subnet: SubnetElements, lastInVpc: boolean): string {
  const lines = [
    ...removeElement(table, 'bridges', `"${subnet.bridge}"`),
    ...removeElement(table, 'bridge_subnets', `"${subnet.bridge}" . ${subnet.cidr}`),
    ...removeElement(table, 'gateways', `"${subnet.bridge}" . ${subnet.gateway}`),
    ...removeElement(table, 'nat_subnets', subnet.cidr),
  ];
  if (lastInVpc) {
    lines.push(
      ...removeElement(table, 'vpc_cidrs', subnet.vpcCidr),
      ...removeElement(table, 'vpc_internal', `${subnet.vpcCidr} . ${subnet.vpcCidr}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function hostAddressScript(table: string, op: 'add' | 'remove', ipv4: string): string {
  const lines =
    op === 'add' ? [element('add', table, 'host_addrs', ipv4)] : removeElement(table, 'host_addrs', ipv4);
  return `${lines.join('\n')}\n`;
}

/**
 * Maps tasks' traffic to `service.address:port` onto the server's listen port. `current` is
 * the listen port the map holds for that key now, if any: nft 1.0.6 cannot replace an element.
 */
export function exposeServiceScript(
  table: string,
  service: HostServiceElement,
  current: number | undefined,
): string {
  if (current === service.listenPort) return '';
  const lines: string[] = [];
  if (current !== undefined)
    lines.push(`delete element ip ${table} host_services { ${serviceKey(service)} }`);
  lines.push(
    `add element ip ${table} host_services { ${serviceKey(service)} : ${service.address} . ${service.listenPort} }`,
  );
  return `${lines.join('\n')}\n`;
}

/** Stops mapping a service; `present` says whether the map holds it (deleting a missing key fails). */
export function unexposeServiceScript(
  table: string,
  service: Omit<HostServiceElement, 'listenPort'>,
  present: boolean,
): string {
  return present ? `delete element ip ${table} host_services { ${serviceKey(service)} }\n` : '';
}

/** Empties the service map: servers map their services again as they start. */
export function flushServicesScript(table: string): string {
  return `flush map ip ${table} host_services\n`;
}

/** Lets tasks reach a load balancer listener (add), or stops it (remove); either is a no-op when done. */
export function lbListenerScript(table: string, op: 'add' | 'remove', listener: LbListenerElement): string {
  const value = `${listener.address} . ${listener.port}`;
  const lines =
    op === 'add'
      ? [element('add', table, 'lb_listeners', value)]
      : removeElement(table, 'lb_listeners', value);
  return `${lines.join('\n')}\n`;
}

/** Empties the load balancer listeners: servers open theirs again as their data plane binds them. */
export function flushLbListenersScript(table: string): string {
  return `flush set ip ${table} lb_listeners\n`;
}

function serviceKey(service: Omit<HostServiceElement, 'listenPort'>): string {
  return `${service.address} . ${service.protocol} . ${service.port}`;
}

/** A task's host veth, and the MAC and address its frames must come from. */
export interface TaskPortElements {
  readonly hostVeth: string;
  readonly macAddress: string;
  readonly ipv4: string;
}

/** Lets a task's veth send as the task (add), or forgets it (remove); either is a no-op when done. */
export function taskPortScript(table: string, op: 'add' | 'remove', port: TaskPortElements): string {
  const macs = `bridge ${table} task_macs { "${port.hostVeth}" . ${port.macAddress} }`;
  const ips = `bridge ${table} task_ips { "${port.hostVeth}" . ${port.ipv4} }`;
  const lines =
    op === 'add'
      ? [`add element ${macs}`, `add element ${ips}`]
      : [`add element ${macs}`, `delete element ${macs}`, `add element ${ips}`, `delete element ${ips}`];
  return `${lines.join('\n')}\n`;
}

/** Deletes both tables, whether or not they exist. */
export function deleteTablesScript(table: string): string {
  return [
    `add table ip ${table}`,
    `delete table ip ${table}`,
    `add table bridge ${table}`,
    `delete table bridge ${table}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}

function element(op: 'add' | 'delete', table: string, set: RulesetSet, value: string): string {
  return `${op} element ip ${table} ${set} { ${value} }`;
}

/** nft 1.0.6 has no `destroy`: adding first makes the delete succeed whether or not it was there. */
function removeElement(table: string, set: RulesetSet, value: string): string[] {
  return [element('add', table, set, value), element('delete', table, set, value)];
}
