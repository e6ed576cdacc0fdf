import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { formatCidr, isIpv4 } from '../../core/cidr.ts';
import type { ProcessRunner } from '../process/process-runner.ts';
import type { NetworkInventory, SubnetState } from './host-inventory.ts';
import { buildInventory } from './host-inventory.ts';
import { Ip } from './ip.ts';
import { formatLinkAlias } from './link-alias.ts';
import { NetworkError } from './network-error.ts';
import { NETNS_DIR, NetworkNames } from './network-names.ts';
import type {
  CallOptions,
  CreateTaskNetnsOptions,
  ResolvedSubnet,
  SubnetSpec,
  TaskEniSpec,
} from './network-spec.ts';
import { checkTaskEni, resolveSubnet } from './network-spec.ts';
import { Nft } from './nft.ts';
import {
  addSubnetScript,
  baseRulesetScript,
  deleteTablesScript,
  exposeServiceScript,
  flushLbListenersScript,
  flushServicesScript,
  type HostServiceElement,
  hostAddressScript,
  type LbListenerElement,
  lbListenerScript,
  removeSubnetScript,
  taskPortScript,
  unexposeServiceScript,
} from './nft-ruleset.ts';
import { networkCommand } from './run-command.ts';
import { checkSubnetConflicts, foreignRouteBlocks } from './subnet-conflicts.ts';
import { writeSysctl } from './sysctl.ts';
import type { TaskNetworkInfo } from './task-namespaces.ts';
import { TaskNamespaces } from './task-namespaces.ts';

export interface TaskNetworkOptions {
  /**
   * Prefix of every name created on the host (see NetworkNames); tests use their own.
   * @default 'ng'
   */
  readonly prefix?: string;
  /** Runs `ip` and `nft` unless `ip` or `nft` is given. @default spawns from this process */
  readonly runner?: ProcessRunner;
  /** @default new Ip() over `runner` */
  readonly ip?: Ip;
  /** @default new Nft() over `runner` */
  readonly nft?: Nft;
  /**
   * Interface group given to the host veth of a task with assignPublicIp=ENABLED.
   * @default 0x4e47
   */
  readonly egressGroup?: number;
  /**
   * Packet mark bit(s) that let such a task's packets out; pick bits no other software uses
   * (kube-proxy takes 0x4000 and 0x8000).
   * @default 0x0100_0000
   */
  readonly egressMark?: number;
}

/**
 * A service on the host that tasks reach at `address:port`, whatever their egress, with their
 * own IP as the source: the server listens at `address:listenPort`, a port of its own, so that
 * several neargates on one host each serve their tasks at 169.254.170.2:80.
 */
export type HostService = HostServiceElement;

/**
 * A load balancer listener that tasks reach at `address:port` (TCP), where the server listens:
 * the address is a host address of its own (ensureHostAddress), so it needs no DNAT.
 */
export type LbListener = LbListenerElement;

/** A subnet as realised on the host. */
export interface SubnetInfo {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly vpcCidr: string;
  /** The host's address on the bridge, which tasks use as their default gateway. */
  readonly gateway: string;
  readonly bridge: string;
  readonly privateWithNat: boolean;
}

/**
 * The awsvpc data plane of one host: a bridge per subnet, a persistent network namespace and a
 * veth "ENI" per task, and nftables rules for VPC isolation and NAT. Every method converges: making
 * what exists or removing what is gone is not an error, so a restarted agent can call them again.
 */
export class TaskNetwork {
  readonly names: NetworkNames;
  readonly #ip: Ip;
  readonly #nft: Nft;
  readonly #egressGroup: number;
  readonly #egressMark: number;
  /** Set once the sysctls and base ruleset are in place for this instance. */
  #base: Promise<void> | undefined;
  /** Subnets this instance has ensured, by id, with the spec they were ensured with. */
  readonly #ensured = new Map<string, string>();
  /** Subnet changes check the host's other subnets first, so they run one at a time. */
  #subnetQueue: Promise<unknown> = Promise.resolve();
  readonly #tasks: TaskNamespaces;
  /** The services this instance exposes, by key, so restore() maps them again. */
  readonly #services = new Map<string, HostService>();
  /** The load balancer listeners this instance opened, by key, so restore() opens them again. */
  readonly #lbListeners = new Map<string, LbListener>();

  constructor(options: TaskNetworkOptions = {}) {
    this.names = new NetworkNames(options.prefix);
    const run = options.runner && { run: networkCommand(options.runner) };
    this.#ip = options.ip ?? new Ip(run);
    this.#nft = options.nft ?? new Nft(run);
    this.#egressGroup = options.egressGroup ?? 0x4e47;
    this.#egressMark = options.egressMark ?? 0x0100_0000;
    if (!Number.isInteger(this.#egressGroup) || this.#egressGroup <= 0 || this.#egressGroup > 0xffff_ffff) {
      throw new RangeError(`Invalid egress interface group '${this.#egressGroup}'`);
    }
    if (!Number.isInteger(this.#egressMark) || this.#egressMark <= 0 || this.#egressMark > 0xffff_ffff) {
      throw new RangeError(`Invalid egress mark '${this.#egressMark}'`);
    }
    this.#tasks = new TaskNamespaces({ ip: this.#ip, names: this.names, egressGroup: this.#egressGroup });
  }

  netnsPath(taskId: string): string {
    return this.names.netnsPath(taskId);
  }

  /**
   * Makes the subnet's bridge with the gateway address, and registers the subnet and its VPC in
   * nftables. Cheap when this instance has ensured the same subnet already.
   */
  async ensureSubnet(spec: SubnetSpec, options: CallOptions = {}): Promise<SubnetInfo> {
    const subnet = resolveSubnet(spec, this.names);
    const key = subnetKey(subnet);
    const ensured = () =>
      this.#ensured.get(subnet.subnetId) === key && existsSync(`/sys/class/net/${subnet.bridge}`);
    if (ensured()) return subnetInfo(subnet);
    return this.#serialized(async () => {
      // The first task of a new subnet makes it; those that waited behind it find it made.
      if (ensured()) return subnetInfo(subnet);
      await this.#ensureBase();
      const [subnets, routes] = await Promise.all([
        this.#subnetsOnHost(options),
        this.#ip.json(['route', 'show', 'table', 'main'], options),
      ]);
      checkSubnetConflicts(subnet, subnets, routes);
      if (!subnets.some((other) => other.subnetId === subnet.subnetId)) {
        if (existsSync(`/sys/class/net/${subnet.bridge}`)) {
          throw new NetworkError(
            'NameCollision',
            `Interface '${subnet.bridge}' exists and is not a neargate bridge`,
            {
              bridge: subnet.bridge,
            },
          );
        }
        await this.#ip.batch([`link add ${subnet.bridge} address ${subnet.bridgeMac} type bridge`], options);
      }
      // Tasks get IPv4 only; a bridge with IPv6 would let them reach the host around these rules.
      await writeSysctl(['net', 'ipv6', 'conf', subnet.bridge, 'disable_ipv6'], '1');
      await this.#ip.batch(
        [
          `link set ${subnet.bridge} alias "${formatLinkAlias(this.names.aliasTag, { kind: 'subnet', ...subnet })}"`,
          `addr replace ${subnet.gateway}/${subnet.prefixLength} dev ${subnet.bridge}`,
          `link set ${subnet.bridge} up`,
        ],
        options,
      );
      await this.#nft.apply(addSubnetScript(this.names.table, subnet), options);
      this.#ensured.set(subnet.subnetId, key);
      return subnetInfo(subnet);
    });
  }

  /** The IPv4 blocks other software routes on this host (not this prefix's bridges), as CIDRs. */
  async occupiedBlocks(options: CallOptions = {}): Promise<string[]> {
    const [subnets, routes] = await Promise.all([
      this.#subnetsOnHost(options),
      this.#ip.json(['route', 'show', 'table', 'main'], options),
    ]);
    return foreignRouteBlocks(routes, new Set(subnets.map((s) => s.bridge))).map(formatCidr);
  }

  /** Removes the subnet's bridge and nftables elements (and its VPC's, if it was the last subnet). */
  async removeSubnet(subnetId: string, options: CallOptions = {}): Promise<void> {
    await this.#serialized(async () => {
      const subnets = await this.#subnetsOnHost(options);
      const subnet = subnets.find((candidate) => candidate.subnetId === subnetId);
      this.#ensured.delete(subnetId);
      if (subnet === undefined) return;
      if (subnet.ports.length > 0) {
        throw new NetworkError(
          'SubnetInUse',
          `The subnet '${subnetId}' has dependencies and cannot be deleted (${subnet.ports.join(', ')})`,
          { subnetId, ports: subnet.ports },
        );
      }
      const resolved = resolveSubnet({ ...subnet, bridgeName: subnet.bridge }, this.names);
      const lastInVpc = !subnets.some((other) => other.subnetId !== subnetId && other.vpcId === subnet.vpcId);
      if (await this.#tableExists(options)) {
        await this.#nft.apply(removeSubnetScript(this.names.table, resolved, lastInVpc), options);
      }
      await this.#ip.batch([`link del ${subnet.bridge}`], options);
    });
  }

  /**
   * Gives a task its network namespace (persistent under /run/netns, so it outlives this process)
   * with `lo` up and an `eth0` holding the ENI's address, MAC and a default route via the subnet
   * gateway; the other end of the veth is on the subnet's bridge. Ensures the subnet first.
   * See TaskNamespaces.create for what happens when parts exist already.
   */
  async createTaskNetns(
    taskId: string,
    eni: TaskEniSpec,
    options: CreateTaskNetnsOptions = {},
  ): Promise<TaskNetworkInfo> {
    const subnet = resolveSubnet(eni.subnet, this.names);
    checkTaskEni(eni, subnet);
    await this.ensureSubnet(eni.subnet, options);
    // Beside making the veth (no task process runs before both are done): what it sends is the task's.
    const port = { hostVeth: this.names.hostVeth(taskId), macAddress: eni.macAddress, ipv4: eni.ipv4 };
    const [info] = await Promise.all([
      this.#tasks.create(taskId, eni, subnet, options),
      this.#nft.apply(taskPortScript(this.names.table, 'add', port), options),
    ]);
    return info;
  }

  /**
   * Removes the task's veth pair and namespace in one `ip` process. Containers still inside keep
   * the namespace alive but lose their interface. Removing what is gone is not an error.
   */
  async deleteTaskNetns(taskId: string, options: CallOptions = {}): Promise<void> {
    const alias = await this.#tasks.delete(taskId, options);
    const hostVeth = this.names.hostVeth(taskId);
    const ports = alias
      ? [{ hostVeth, macAddress: alias.macAddress, ipv4: alias.ipv4 }]
      : await this.#taskPorts(hostVeth, options);
    const script = ports.map((port) => taskPortScript(this.names.table, 'remove', port)).join('');
    await this.#nft.apply(script, options).catch((error: unknown) => {
      // After a teardown or `nft flush ruleset` there is nothing to forget.
      if (!isMissingTable(error)) throw error;
    });
  }

  /**
   * Puts a host service address (169.254.170.2) on this prefix's host link, a bridge without
   * ports, and lets tasks reach the services exposed there. Servers bind it before they expose.
   */
  async ensureHostAddress(ipv4: string, options: CallOptions = {}): Promise<void> {
    checkHostAddress(ipv4);
    await this.#ensureBase();
    await this.#ensureHostLink(options);
    await this.#ip.batch([`addr replace ${ipv4}/32 dev ${this.names.hostLink}`], options);
    await this.#nft.apply(hostAddressScript(this.names.table, 'add', ipv4), options);
  }

  /** Removes a host service address, and every service exposed and listener opened at it. */
  async removeHostAddress(ipv4: string, options: CallOptions = {}): Promise<void> {
    checkHostAddress(ipv4);
    for (const [key, service] of this.#services) if (service.address === ipv4) this.#services.delete(key);
    for (const [key, listener] of this.#lbListeners)
      if (listener.address === ipv4) this.#lbListeners.delete(key);
    const inventory = await this.list(options);
    if (inventory.hostAddresses.includes(ipv4)) {
      await this.#ip.batch([`addr del ${ipv4}/32 dev ${this.names.hostLink}`], options);
    }
    if (inventory.nft.table) {
      const script = inventory.nft.hostServices
        .filter((service) => service.address === ipv4)
        .map((service) => unexposeServiceScript(this.names.table, service, true))
        .join('');
      const listeners = inventory.nft.lbListeners
        .filter((listener) => listener.address === ipv4)
        .map((listener) => lbListenerScript(this.names.table, 'remove', listener))
        .join('');
      await this.#nft.apply(
        script + listeners + hostAddressScript(this.names.table, 'remove', ipv4),
        options,
      );
    }
  }

  /**
   * Sends what tasks of this prefix send to `service.address:port` to `address:listenPort`,
   * replacing an earlier listen port for the same address and port. Ensures the address first;
   * the server should already listen there.
   */
  async exposeHostService(service: HostService, options: CallOptions = {}): Promise<void> {
    checkHostService(service);
    await this.ensureHostAddress(service.address, options);
    this.#services.set(serviceKey(service), service);
    await this.#serialized(async () => {
      const current = (await this.#exposed(options)).find((s) => serviceKey(s) === serviceKey(service));
      await this.#nft.apply(exposeServiceScript(this.names.table, service, current?.listenPort), options);
    });
  }

  /** Stops sending tasks' traffic for `address:port` anywhere; the address stays. */
  async removeHostService(
    service: Omit<HostService, 'listenPort'>,
    options: CallOptions = {},
  ): Promise<void> {
    this.#services.delete(serviceKey(service));
    await this.#serialized(async () => {
      if (!(await this.#tableExists(options))) return;
      const present = (await this.#exposed(options)).some((s) => serviceKey(s) === serviceKey(service));
      await this.#nft.apply(unexposeServiceScript(this.names.table, service, present), options);
    });
  }

  /**
   * Lets tasks of this prefix reach a load balancer listener at `listener.address:port` (TCP),
   * and nothing else there that a listener did not open. The server should already listen there,
   * on a host address (ensureHostAddress).
   */
  async openLbListener(listener: LbListener, options: CallOptions = {}): Promise<void> {
    checkLbListener(listener);
    await this.#ensureBase();
    this.#lbListeners.set(lbListenerKey(listener), listener);
    await this.#serialized(() =>
      this.#nft.apply(lbListenerScript(this.names.table, 'add', listener), options),
    );
  }

  /** Stops tasks' new connections to a load balancer listener; those it has go on. */
  async closeLbListener(listener: LbListener, options: CallOptions = {}): Promise<void> {
    checkLbListener(listener);
    this.#lbListeners.delete(lbListenerKey(listener));
    await this.#serialized(() =>
      this.#nft.apply(lbListenerScript(this.names.table, 'remove', listener), options),
    ).catch((error: unknown) => {
      // After a teardown or `nft flush ruleset` there is nothing to close.
      if (!isMissingTable(error)) throw error;
    });
  }

  /**
   * Re-applies sysctls, the base ruleset, every subnet and host address found on the host, and the
   * services and load balancer listeners this instance opened (a new agent's servers expose and
   * open theirs again as they start: the listen ports and listeners of an earlier process are
   * dropped). For agent start, and for when
   * `list().nft.table` is false because something ran `nft flush ruleset` (a firewall reload
   * does): until then tasks keep running without VPC isolation, NAT or host services.
   */
  async restore(options: CallOptions = {}): Promise<NetworkInventory> {
    this.#base = undefined;
    this.#ensured.clear();
    const inventory = await this.list(options);
    for (const { subnetId, vpcId, cidr, vpcCidr, bridge, privateWithNat } of inventory.subnets) {
      await this.ensureSubnet(
        { subnetId, vpcId, cidr, vpcCidr, bridgeName: bridge, privateWithNat },
        options,
      );
    }
    await this.#ensureBase();
    const services = [...this.#services.values()];
    const listeners = [...this.#lbListeners.values()];
    const script = [
      ...inventory.tasks.flatMap((task) =>
        task.hostVeth && task.eni
          ? [
              taskPortScript(this.names.table, 'add', {
                hostVeth: task.hostVeth,
                macAddress: task.eni.macAddress,
                ipv4: task.eni.ipv4,
              }),
            ]
          : [],
      ),
      ...inventory.hostAddresses.map((address) => hostAddressScript(this.names.table, 'add', address)),
      flushServicesScript(this.names.table),
      ...services.map((service) => exposeServiceScript(this.names.table, service, undefined)),
      flushLbListenersScript(this.names.table),
      ...listeners.map((listener) => lbListenerScript(this.names.table, 'add', listener)),
    ].join('');
    await this.#serialized(() => this.#nft.apply(script, options));
    return inventory;
  }

  /** What this prefix has on the host, for a restarted agent to adopt or clean up. */
  async list(options: CallOptions = {}): Promise<NetworkInventory> {
    const hostLink = this.names.hostLink;
    const [links, hostAddrs, netnsNames, nftObjects] = await Promise.all([
      this.#ip.json(['link', 'show'], options),
      existsSync(`/sys/class/net/${hostLink}`)
        ? this.#ip.json(['addr', 'show', 'dev', hostLink], options).catch(() => [])
        : [],
      readdir(NETNS_DIR).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      }),
      this.#nft.json(['list', 'table', 'ip', this.names.table], options).catch((error: unknown) => {
        if (isMissingTable(error)) return undefined;
        throw error;
      }),
    ]);
    return buildInventory({ names: this.names, links, hostAddrs, netnsNames, nftObjects });
  }

  /**
   * Removes everything of this prefix: task namespaces and veths, bridges, the host service link
   * with its addresses, and the nftables tables. Leaves ip_forward on, as other software may rely on it.
   */
  async teardown(options: CallOptions = {}): Promise<void> {
    await this.#serialized(async () => {
      const inventory = await this.list(options);
      const lines: string[] = [];
      for (const task of inventory.tasks) if (task.hostVeth) lines.push(`link del ${task.hostVeth}`);
      for (const link of inventory.strayLinks) lines.push(`link del ${link}`);
      for (const task of inventory.tasks)
        if (task.netnsPath) lines.push(`netns del ${this.names.netnsName(task.taskId)}`);
      for (const subnet of inventory.subnets) lines.push(`link del ${subnet.bridge}`);
      if (inventory.hostLink !== undefined) lines.push(`link del ${inventory.hostLink}`);
      try {
        await this.#ip.batch(lines, { ...options, force: true });
      } catch (error) {
        const left = await this.list(options);
        if (
          left.tasks.length + left.strayLinks.length + left.subnets.length > 0 ||
          left.hostLink !== undefined
        )
          throw error;
      }
      await this.#nft.apply(deleteTablesScript(this.names.table), options);
      this.#ensured.clear();
      this.#services.clear();
      this.#lbListeners.clear();
      this.#base = undefined;
    });
  }

  #ensureBase(): Promise<void> {
    this.#base ??= (async () => {
      await writeSysctl(['net', 'ipv4', 'ip_forward'], '1');
      await this.#nft.apply(
        baseRulesetScript({
          table: this.names.table,
          taskPorts: this.names.hostVethPattern,
          egressGroup: this.#egressGroup,
          egressMark: this.#egressMark,
        }),
      );
    })().catch((error: unknown) => {
      this.#base = undefined;
      throw error;
    });
    return this.#base;
  }

  /** Makes the host service link: a bridge without ports, up, without IPv6. */
  async #ensureHostLink(options: CallOptions): Promise<void> {
    const link = this.names.hostLink;
    if (!existsSync(`/sys/class/net/${link}`)) {
      await this.#ip.batch([`link add ${link} type bridge`], options).catch((error: unknown) => {
        // Another call made it meanwhile.
        if (!existsSync(`/sys/class/net/${link}`)) throw error;
      });
    }
    await writeSysctl(['net', 'ipv6', 'conf', link, 'disable_ipv6'], '1');
    await this.#ip.batch(
      [
        `link set ${link} alias "${formatLinkAlias(this.names.aliasTag, { kind: 'host' })}"`,
        `link set ${link} up`,
      ],
      options,
    );
  }

  /** The MACs and addresses the bridge table lets a veth send from (when its alias is gone). */
  async #taskPorts(hostVeth: string, options: CallOptions) {
    const objects = await this.#nft
      .json(['list', 'table', 'bridge', this.names.table], options)
      .catch((error: unknown) => {
        if (isMissingTable(error)) return [];
        throw error;
      });
    const elements = (set: string) =>
      objects.flatMap((o) => {
        const s = (o as { set?: { name?: string; elem?: { concat?: [string, string] }[] } }).set;
        if (s?.name !== set) return [];
        return (s.elem ?? []).flatMap((e) => (e.concat?.[0] === hostVeth ? [e.concat[1]] : []));
      });
    const macs = elements('task_macs');
    const ips = elements('task_ips');
    return macs.flatMap((macAddress) => ips.map((ipv4) => ({ hostVeth, macAddress, ipv4 })));
  }

  async #exposed(options: CallOptions): Promise<readonly HostService[]> {
    const objects = await this.#nft.json(['list', 'map', 'ip', this.names.table, 'host_services'], options);
    return buildInventory({
      names: this.names,
      links: [],
      hostAddrs: [],
      netnsNames: [],
      nftObjects: objects,
    }).nft.hostServices;
  }

  async #tableExists(options: CallOptions): Promise<boolean> {
    try {
      await this.#nft.json(['list', 'table', 'ip', this.names.table], options);
      return true;
    } catch (error) {
      if (isMissingTable(error)) return false;
      throw error;
    }
  }

  /** The subnet bridges of this prefix, from their aliases. */
  async #subnetsOnHost(options: CallOptions): Promise<readonly SubnetState[]> {
    const links = await this.#ip.json(['link', 'show'], options);
    return buildInventory({ names: this.names, links, hostAddrs: [], netnsNames: [], nftObjects: [] })
      .subnets;
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#subnetQueue.then(work, work);
    this.#subnetQueue = result.catch(() => {});
    return result;
  }
}

function subnetInfo(subnet: ResolvedSubnet): SubnetInfo {
  const { subnetId, vpcId, cidr, vpcCidr, gateway, bridge, privateWithNat } = subnet;
  return { subnetId, vpcId, cidr, vpcCidr, gateway, bridge, privateWithNat };
}

function subnetKey(subnet: ResolvedSubnet): string {
  return JSON.stringify(subnetInfo(subnet));
}

function isMissingTable(error: unknown): boolean {
  return error instanceof NetworkError && /No such file or directory/.test(String(error.data.stderr));
}

function checkHostAddress(ipv4: string): void {
  if (!isIpv4(ipv4)) throw new NetworkError('InvalidSpec', `Invalid IPv4 address '${ipv4}'`, { ipv4 });
}

function checkHostService(service: HostService): void {
  checkHostAddress(service.address);
  for (const port of [service.port, service.listenPort]) checkPort(port);
  if (service.protocol !== 'tcp' && service.protocol !== 'udp') {
    throw new NetworkError('InvalidSpec', `Invalid protocol '${String(service.protocol)}'`, {
      protocol: service.protocol,
    });
  }
}

function checkLbListener(listener: LbListener): void {
  checkHostAddress(listener.address);
  checkPort(listener.port);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new NetworkError('InvalidSpec', `Invalid port '${port}'`, { port });
  }
}

const serviceKey = (s: Omit<HostService, 'listenPort'>) => `${s.address} ${s.protocol} ${s.port}`;
const lbListenerKey = (l: LbListener) => `${l.address} ${l.port}`;
