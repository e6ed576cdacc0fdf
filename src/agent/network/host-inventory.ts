import { z } from 'zod';
import type { LinkAlias, SubnetAlias, TaskAlias } from './link-alias.ts';
import { parseLinkAlias } from './link-alias.ts';
import type { NetworkNames } from './network-names.ts';
import type { HostServiceElement, LbListenerElement, RulesetSet } from './nft-ruleset.ts';

/** A subnet bridge found on the host. */
export interface SubnetState {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly vpcCidr: string;
  readonly privateWithNat: boolean;
  readonly bridge: string;
  readonly up: boolean;
  /** Host veths enslaved to the bridge. */
  readonly ports: readonly string[];
}

/** A task network found on the host, whole or in part (after a crash half-way). */
export interface TaskState {
  readonly taskId: string;
  /** Set when /run/netns holds the task's namespace. */
  readonly netnsPath?: string;
  /** Set when the host veth exists. */
  readonly hostVeth?: string;
  /** The bridge the host veth is plugged into. */
  readonly bridge?: string;
  /** From the host veth's alias, when there is one. */
  readonly eni?: Omit<TaskAlias, 'kind' | 'taskId'>;
  /** Namespace and veth both exist, the veth is on a bridge and up. */
  readonly complete: boolean;
}

export interface NetworkInventory {
  readonly subnets: readonly SubnetState[];
  readonly tasks: readonly TaskState[];
  /** Interfaces with a name of this prefix's shape but no alias of ours (a crash between two lines). */
  readonly strayLinks: readonly string[];
  /** The link holding host service addresses (NetworkNames.hostLink), when it exists. */
  readonly hostLink: string | undefined;
  /** The addresses on that link: where host services listen (169.254.170.2). */
  readonly hostAddresses: readonly string[];
  readonly nft: {
    /** Whether the `ip` table exists. */
    readonly table: boolean;
    /** Elements of each set, as nft prints them (`"ng-b…" . 172.31.0.0/20`). */
    readonly sets: Readonly<Partial<Record<RulesetSet, readonly string[]>>>;
    /** The `host_services` map: which listen port serves tasks' traffic to each address and port. */
    readonly hostServices: readonly HostServiceElement[];
    /** The `lb_listeners` set: the load balancer listeners tasks may reach. */
    readonly lbListeners: readonly LbListenerElement[];
  };
}

const Link = z.object({
  ifname: z.string(),
  flags: z.array(z.string()).default([]),
  master: z.string().optional(),
  ifalias: z.string().optional(),
});

const LinkAddresses = z.array(
  z.object({
    addr_info: z
      .array(z.object({ family: z.string(), local: z.string(), label: z.string().optional() }))
      .default([]),
  }),
);

export interface InventorySources {
  readonly names: NetworkNames;
  /** `ip -j link show` */
  readonly links: unknown;
  /** `ip -j addr show dev <hostLink>`, or [] when there is no such link. */
  readonly hostAddrs: unknown;
  /** Entries of /run/netns */
  readonly netnsNames: readonly string[];
  /** `nft -j list table ip <table>`, or undefined when the table does not exist. */
  readonly nftObjects: readonly unknown[] | undefined;
}

/** Puts together what the host holds for one prefix. Pure, so its parsing is tested without root. */
export function buildInventory({
  names,
  links,
  hostAddrs,
  netnsNames,
  nftObjects,
}: InventorySources): NetworkInventory {
  const parsedLinks = z.array(Link).parse(links);
  const subnets: SubnetState[] = [];
  const taskLinks = new Map<string, { link: z.infer<typeof Link>; alias: TaskAlias }>();
  const strayLinks: string[] = [];
  let hostLink: string | undefined;
  for (const link of parsedLinks) {
    const alias: LinkAlias | undefined = parseLinkAlias(names.aliasTag, link.ifalias);
    if (alias?.kind === 'host' && link.ifname === names.hostLink) {
      hostLink = link.ifname;
    } else if (alias?.kind === 'subnet') {
      subnets.push(subnetState(link.ifname, alias, link.flags, parsedLinks));
    } else if (alias?.kind === 'task') {
      taskLinks.set(alias.taskId, { link, alias });
    } else if (names.isOwnInterfaceName(link.ifname) || link.ifname === names.hostLink) {
      strayLinks.push(link.ifname);
    }
  }
  const tasks = new Map<string, TaskState>();
  for (const [taskId, { link, alias }] of taskLinks) {
    const { kind: _kind, taskId: _taskId, ...eni } = alias;
    tasks.set(taskId, {
      taskId,
      hostVeth: link.ifname,
      ...(link.master === undefined ? {} : { bridge: link.master }),
      eni,
      complete: false,
    });
  }
  const withNetns = new Set<string>();
  for (const name of netnsNames) {
    const taskId = names.taskIdOfNetns(name);
    if (taskId === undefined) continue;
    withNetns.add(taskId);
    tasks.set(taskId, {
      ...(tasks.get(taskId) ?? { taskId, complete: false }),
      netnsPath: names.netnsPath(taskId),
    });
  }
  for (const [taskId, task] of tasks) {
    const link = taskLinks.get(taskId)?.link;
    const complete = withNetns.has(taskId) && link?.master !== undefined && link.flags.includes('UP');
    tasks.set(taskId, { ...task, complete });
  }
  const hostAddresses =
    hostLink === undefined
      ? []
      : LinkAddresses.parse(hostAddrs).flatMap((entry) =>
          entry.addr_info.filter((info) => info.family === 'inet').map((info) => info.local),
        );
  return {
    subnets,
    tasks: [...tasks.values()].sort((a, b) => a.taskId.localeCompare(b.taskId)),
    strayLinks,
    hostLink,
    hostAddresses,
    nft: {
      table: nftObjects !== undefined,
      sets: nftSets(nftObjects ?? []),
      hostServices: hostServices(nftObjects ?? []),
      lbListeners: lbListeners(nftObjects ?? []),
    },
  };
}

function subnetState(
  bridge: string,
  alias: SubnetAlias,
  flags: readonly string[],
  links: readonly z.infer<typeof Link>[],
): SubnetState {
  return {
    subnetId: alias.subnetId,
    vpcId: alias.vpcId,
    cidr: alias.cidr,
    vpcCidr: alias.vpcCidr,
    privateWithNat: alias.privateWithNat,
    bridge,
    up: flags.includes('UP'),
    ports: links.filter((link) => link.master === bridge).map((link) => link.ifname),
  };
}

const NftSet = z.object({ set: z.object({ name: z.string(), elem: z.array(z.unknown()).optional() }) });

function nftSets(objects: readonly unknown[]): Partial<Record<RulesetSet, string[]>> {
  const sets: Partial<Record<string, string[]>> = {};
  for (const object of objects) {
    const parsed = NftSet.safeParse(object);
    if (parsed.success) sets[parsed.data.set.name] = (parsed.data.set.elem ?? []).map(formatNftValue);
  }
  return sets;
}

const ServiceMap = z.object({
  map: z.object({
    name: z.literal('host_services'),
    elem: z
      .array(
        z.tuple([
          z.object({ concat: z.tuple([z.string(), z.enum(['tcp', 'udp']), z.number()]) }),
          z.object({ concat: z.tuple([z.string(), z.number()]) }),
        ]),
      )
      .optional(),
  }),
});

function hostServices(objects: readonly unknown[]): HostServiceElement[] {
  for (const object of objects) {
    const parsed = ServiceMap.safeParse(object);
    if (!parsed.success) continue;
    return (parsed.data.map.elem ?? []).map(([key, value]) => ({
      address: key.concat[0],
      protocol: key.concat[1],
      port: key.concat[2],
      listenPort: value.concat[1],
    }));
  }
  return [];
}

const ListenerSet = z.object({
  set: z.object({
    name: z.literal('lb_listeners'),
    elem: z.array(z.object({ concat: z.tuple([z.string(), z.number()]) })).optional(),
  }),
});

function lbListeners(objects: readonly unknown[]): LbListenerElement[] {
  for (const object of objects) {
    const parsed = ListenerSet.safeParse(object);
    if (!parsed.success) continue;
    return (parsed.data.set.elem ?? []).map(({ concat: [address, port] }) => ({ address, port }));
  }
  return [];
}

/** Formats a value of nft's JSON (a string, a prefix, a range, a concatenation, an elem with a comment). */
function formatNftValue(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.concat)) return object.concat.map(formatNftValue).join(' . ');
    const prefix = object.prefix as { addr?: unknown; len?: unknown } | undefined;
    if (prefix) return `${String(prefix.addr)}/${String(prefix.len)}`;
    if (Array.isArray(object.range)) return object.range.map(formatNftValue).join('-');
    const elem = object.elem as { val?: unknown } | undefined;
    if (elem) return formatNftValue(elem.val);
  }
  return JSON.stringify(value);
}
