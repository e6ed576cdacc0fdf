import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Ip } from './ip.ts';
import type { LinkAlias, TaskAlias } from './link-alias.ts';
import { formatLinkAlias, parseLinkAlias } from './link-alias.ts';
import { NetworkError } from './network-error.ts';
import type { NetworkNames } from './network-names.ts';
import type {
  AssignPublicIp,
  CallOptions,
  CreateTaskNetnsOptions,
  ResolvedSubnet,
  TaskEniSpec,
} from './network-spec.ts';

/** A task's network namespace and ENI as realised on the host. */
export interface TaskNetworkInfo {
  readonly taskId: string;
  readonly netnsName: string;
  /** What containers join (`runc` `linux.namespaces[].path`). */
  readonly netnsPath: string;
  readonly hostVeth: string;
  /** The ENI's name inside the namespace. */
  readonly interfaceName: 'eth0';
  readonly bridge: string;
  readonly subnetId: string;
  readonly ipv4: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly macAddress: string;
  readonly assignPublicIp: AssignPublicIp;
  readonly eniId?: string;
}

const NetnsInterfaces = z.array(
  z.object({
    ifname: z.string(),
    address: z.string().optional(),
    link_index: z.number().optional(),
    addr_info: z
      .array(z.object({ family: z.string(), local: z.string(), prefixlen: z.number() }))
      .default([]),
  }),
);

/**
 * Task namespaces and their veth pairs. Existence checks read /run/netns and /sys/class/net in
 * process, so the usual create costs two `ip` processes (host side, then inside the namespace)
 * and a delete one.
 */
export class TaskNamespaces {
  readonly #ip: Ip;
  readonly #names: NetworkNames;
  readonly #egressGroup: number;

  constructor(options: { ip: Ip; names: NetworkNames; egressGroup: number }) {
    this.#ip = options.ip;
    this.#names = options.names;
    this.#egressGroup = options.egressGroup;
  }

  /**
   * Creates the namespace and veth pair of a task in a subnet whose bridge exists. If parts exist
   * (an earlier call, a crash half-way, a restarted agent adopting its tasks) they are checked
   * and completed; an `eth0` with another address or MAC is refused with TaskNetworkMismatch,
   * never replaced, since containers may be using it.
   */
  async create(
    taskId: string,
    eni: TaskEniSpec,
    subnet: ResolvedSubnet,
    { onNamespace, ...options }: CreateTaskNetnsOptions = {},
  ): Promise<TaskNetworkInfo> {
    const netnsName = this.#names.netnsName(taskId);
    const netnsPath = this.#names.netnsPath(taskId);
    const hostVeth = this.#names.hostVeth(taskId);
    const eniId = eni.eniId === undefined ? {} : { eniId: eni.eniId };
    const alias = formatLinkAlias(this.#names.aliasTag, {
      kind: 'task',
      taskId,
      subnetId: subnet.subnetId,
      ipv4: eni.ipv4,
      macAddress: eni.macAddress,
      assignPublicIp: eni.assignPublicIp === 'ENABLED',
      ...eniId,
    });
    // The group is how the nftables bridge table recognises a public-IP task's packets.
    const group = eni.assignPublicIp === 'ENABLED' ? this.#egressGroup : 0;
    const addVeth = `link add ${hostVeth} master ${subnet.bridge} up group ${group} type veth peer name eth0 address ${eni.macAddress} netns ${netnsName}`;
    const hostLines = [
      `link set ${hostVeth} master ${subnet.bridge} up group ${group} alias "${alias}"`,
      // Teaches the host the MAC now: no ARP round trip for the first packet, and no stale entry
      // if the address belonged to an earlier task.
      `neigh replace ${eni.ipv4} lladdr ${eni.macAddress} dev ${subnet.bridge} nud reachable`,
    ];
    const netnsLines = [
      'link set lo up',
      'link set eth0 up',
      `addr replace ${eni.ipv4}/${subnet.prefixLength} dev eth0`,
      `route replace default via ${subnet.gateway} dev eth0`,
    ];
    const info: TaskNetworkInfo = {
      taskId,
      netnsName,
      netnsPath,
      hostVeth,
      interfaceName: 'eth0',
      bridge: subnet.bridge,
      subnetId: subnet.subnetId,
      ipv4: eni.ipv4,
      prefixLength: subnet.prefixLength,
      gateway: subnet.gateway,
      macAddress: eni.macAddress,
      assignPublicIp: eni.assignPublicIp,
      ...eniId,
    };

    const netnsExists = existsSync(netnsPath);
    const vethExists = existsSync(`/sys/class/net/${hostVeth}`);
    if (!netnsExists && !vethExists) {
      try {
        await this.#ip.batch([`netns add ${netnsName}`, addVeth, ...hostLines], options);
        onNamespace?.();
        await this.#ip.batch(netnsLines, { ...options, netns: netnsName });
      } catch (error) {
        // Leave nothing half-made behind; the caller may retry from scratch.
        await this.#remove(taskId, () => true).catch(() => {});
        throw error;
      }
      return info;
    }

    if (vethExists) {
      const existing = await readAlias(this.#names.aliasTag, hostVeth);
      if (existing !== undefined && (existing.kind !== 'task' || existing.taskId !== taskId)) {
        throw new NetworkError('NameCollision', `Interface '${hostVeth}' belongs to something else`, {
          hostVeth,
          existing,
        });
      }
    }
    const eth0 = netnsExists ? await this.#readEth0(netnsName, options) : undefined;
    if (eth0) {
      const addresses = eth0.addr_info.filter((address) => address.family === 'inet');
      const wrongAddress = addresses.some(
        (address) => address.local !== eni.ipv4 || address.prefixlen !== subnet.prefixLength,
      );
      if (eth0.address !== eni.macAddress || wrongAddress) {
        throw new NetworkError(
          'TaskNetworkMismatch',
          `The network of task '${taskId}' exists with another address or MAC; delete it first`,
          {
            taskId,
            want: { ipv4: eni.ipv4, macAddress: eni.macAddress },
            found: { addresses: addresses.map((a) => `${a.local}/${a.prefixlen}`), macAddress: eth0.address },
          },
        );
      }
    }
    const vethIndex = vethExists
      ? await readFile(`/sys/class/net/${hostVeth}/ifindex`, 'utf8').catch(() => '')
      : '';
    const paired = eth0?.link_index !== undefined && String(eth0.link_index) === vethIndex.trim();
    if (eth0 && !paired) {
      throw new NetworkError(
        'TaskNetworkMismatch',
        `The eth0 of task '${taskId}' is not paired with '${hostVeth}'`,
        {
          taskId,
        },
      );
    }
    const lines: string[] = [];
    if (!netnsExists) lines.push(`netns add ${netnsName}`);
    // A veth whose peer is not in the task's namespace (the namespace was deleted while a
    // process kept it alive) is of no use; make a new pair.
    if (vethExists && !paired) lines.push(`link del ${hostVeth}`);
    if (!paired) lines.push(addVeth);
    await this.#ip.batch([...lines, ...hostLines], options);
    onNamespace?.();
    await this.#ip.batch(netnsLines, { ...options, netns: netnsName });
    return info;
  }

  /**
   * Removes the task's veth pair and namespace in one `ip` process; what is gone is skipped.
   * Returns what the veth's alias said of the task, when there was one.
   */
  async delete(taskId: string, options: CallOptions = {}): Promise<TaskAlias | undefined> {
    // A veth without an alias was made by a create that stopped before its next line: ours too.
    const owns = (alias: LinkAlias | undefined) =>
      alias === undefined || (alias.kind === 'task' && alias.taskId === taskId);
    return this.#remove(taskId, owns, options);
  }

  async #remove(
    taskId: string,
    owns: (alias: LinkAlias | undefined) => boolean,
    options: CallOptions = {},
  ): Promise<TaskAlias | undefined> {
    const netnsName = this.#names.netnsName(taskId);
    const netnsPath = this.#names.netnsPath(taskId);
    const hostVeth = this.#names.hostVeth(taskId);
    let seen: TaskAlias | undefined;
    const vethIsOurs = async () => {
      if (!existsSync(`/sys/class/net/${hostVeth}`)) return false;
      const alias = await readAlias(this.#names.aliasTag, hostVeth);
      if (alias?.kind === 'task') seen = alias;
      return owns(alias);
    };
    const lines: string[] = [];
    if (await vethIsOurs()) lines.push(`link del ${hostVeth}`);
    if (existsSync(netnsPath)) lines.push(`netns del ${netnsName}`);
    try {
      await this.#ip.batch(lines, options);
    } catch (error) {
      // Another caller may have removed them meanwhile; only what is still there is a failure.
      if ((await vethIsOurs()) || existsSync(netnsPath)) throw error;
    }
    return seen?.taskId === taskId ? seen : undefined;
  }

  async #readEth0(netnsName: string, options: CallOptions) {
    const interfaces = NetnsInterfaces.parse(
      await this.#ip.json(['addr', 'show'], { ...options, netns: netnsName }),
    );
    return interfaces.find((link) => link.ifname === 'eth0');
  }
}

async function readAlias(tag: string, link: string): Promise<LinkAlias | undefined> {
  const text = await readFile(`/sys/class/net/${link}/ifalias`, 'utf8').catch(() => '');
  return parseLinkAlias(tag, text);
}
