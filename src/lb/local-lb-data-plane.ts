import type { Logger } from 'pino';
import { compileAlbAction } from './alb-action.ts';
import { AlbListener, type AlbListenerConfig } from './alb-listener.ts';
import { HealthListeners, type LbDataPlaneSnapshot, lookupForTasks } from './data-plane-view.ts';
import type { HostsFile } from './hosts-file.ts';
import { HttpDate } from './http-date.ts';
import type { LbDataPlane, LbPlan, ListenerPlan, LoadBalancerPlan, TargetHealth } from './lb-plan.ts';
import type { LbServices } from './lb-services.ts';
import { NlbListener, type NlbListenerConfig } from './nlb-listener.ts';
import { compileRules } from './rule-matcher.ts';
import { StickinessCookies } from './stickiness-cookies.ts';
import { TargetGroupRuntime } from './target-group-runtime.ts';
import { type HostAddresses, taskAddressFor } from './task-address.ts';
import { TraceIds } from './trace-id.ts';

export interface LocalLbDataPlaneOptions {
  readonly log: Logger;
  /** Keeps the load balancers' DNS names in /etc/hosts. @default none: no names on the host */
  readonly hostsFile?: HostsFile;
  /**
   * Puts each load balancer's task address on the host, and opens its listeners' ports there to
   * tasks. @default none: load balancers listen on their loopback address only, which tasks
   * cannot reach
   */
  readonly hostAddresses?: HostAddresses;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** Seals stickiness cookies (32 bytes). @default a random key per data plane */
  readonly stickinessKey?: Buffer;
  /** How long a removed listener's connections may take to finish their request. @default 30_000 */
  readonly listenerGraceMs?: number;
}

type Listener = (
  | { readonly kind: 'alb'; readonly plan: ListenerPlan; readonly runtime: AlbListener }
  | { readonly kind: 'nlb'; readonly plan: ListenerPlan; readonly runtime: NlbListener }
) & {
  /** Its port on the load balancer's task address is open to tasks. */
  openToTasks: boolean;
};

interface LoadBalancerRuntime {
  plan: LoadBalancerPlan;
  /** The addresses its listeners are bound to. */
  readonly addresses: readonly string[];
  readonly taskAddress: string | undefined;
  readonly listeners: Map<number, Listener>;
}

/**
 * The load balancer data plane of one host, in this process: ALB listeners (HTTP/1.1, rules,
 * pooled upstream connections) and NLB listeners (TCP passthrough) on each load balancer's
 * loopback address (and task address), target groups with their health checks, and the names in
 * /etc/hosts. apply() diffs what runs with the plan: listeners are bound and unbound, while rules,
 * target groups and health checks are swapped under running connections, which finish what
 * they started.
 */
export class LocalLbDataPlane implements LbDataPlane {
  readonly #options: LocalLbDataPlaneOptions;
  readonly #services: LbServices;
  readonly #groups = new Map<string, TargetGroupRuntime>();
  readonly #balancers = new Map<string, LoadBalancerRuntime>();
  /** DNS names (lowercase) to the load balancer's task address. */
  #names = new Map<string, string | undefined>();
  readonly #healthListeners: HealthListeners;
  readonly #unsupported = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  /** Calls to hostAddresses run in the order made: a port closed is closed before it opens again. */
  #hostQueue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: LocalLbDataPlaneOptions) {
    this.#options = options;
    this.#healthListeners = new HealthListeners(options.log);
    const now = options.now ?? Date.now;
    this.#services = {
      dates: new HttpDate(now),
      traces: new TraceIds(now),
      cookies: new StickinessCookies(options.stickinessKey),
      now,
      random: options.random ?? Math.random,
      log: options.log,
    };
  }

  apply(plan: LbPlan): Promise<void> {
    return this.#serialized(() => this.#apply(plan));
  }

  targetHealth(targetGroupArn: string): readonly TargetHealth[] {
    return this.#groups.get(targetGroupArn)?.health() ?? [];
  }

  onHealthChange(listener: (targetGroupArn: string) => void): () => void {
    return this.#healthListeners.add(listener);
  }

  /**
   * For the task DNS server: the addresses of a load balancer's DNS name as tasks reach it
   * (`dualstack.` names too), [] for a load balancer tasks cannot reach, undefined for any other name.
   */
  lookupForTasks(name: string): readonly string[] | undefined {
    return lookupForTasks(this.#names, name);
  }

  /** The address a load balancer listens on for tasks, if it has one. */
  taskAddress(loadBalancerArn: string): string | undefined {
    return this.#balancers.get(loadBalancerArn)?.taskAddress;
  }

  /** What targetHealth, lookupForTasks and taskAddress answer from, as plain data. */
  snapshot(): LbDataPlaneSnapshot {
    const taskAddresses: [string, string][] = [];
    for (const [arn, lb] of this.#balancers) if (lb.taskAddress) taskAddresses.push([arn, lb.taskAddress]);
    return {
      names: [...this.#names],
      taskAddresses,
      health: [...this.#groups].map(([arn, g]) => [arn, g.health()]),
    };
  }

  async close(): Promise<void> {
    await this.#serialized(async () => {
      this.#closed = true;
      const closing: Promise<void>[] = [];
      for (const lb of this.#balancers.values()) closing.push(this.#removeBalancer(lb, 0));
      this.#balancers.clear();
      await Promise.all(closing);
      for (const g of this.#groups.values()) g.close();
      this.#groups.clear();
      this.#names = new Map();
      await this.#options.hostsFile?.remove();
    });
  }

  async #apply(plan: LbPlan): Promise<void> {
    if (this.#closed) throw new Error('The load balancer data plane is closed');
    const errors: unknown[] = [];
    const used = usedGroups(plan);
    const wanted = new Set<string>();
    for (const g of plan.targetGroups) {
      wanted.add(g.arn);
      let runtime = this.#groups.get(g.arn);
      if (runtime === undefined) {
        runtime = new TargetGroupRuntime(g, {
          now: this.#services.now,
          log: this.#options.log,
          onHealthChange: (arn) => this.#healthListeners.emit(arn),
        });
        this.#groups.set(g.arn, runtime);
      }
      try {
        runtime.update(g, used.has(g.arn));
      } catch (error) {
        errors.push(error);
      }
    }

    const balancers = new Set<string>();
    for (const lb of plan.loadBalancers) {
      balancers.add(lb.arn);
      try {
        await this.#applyBalancer(lb, errors);
      } catch (error) {
        errors.push(error);
      }
    }
    for (const [arn, lb] of this.#balancers) {
      if (balancers.has(arn)) continue;
      this.#balancers.delete(arn);
      void this.#removeBalancer(lb, this.#graceMs());
    }
    // Groups go after the listeners that forwarded to them.
    for (const [arn, g] of this.#groups) {
      if (wanted.has(arn)) continue;
      this.#groups.delete(arn);
      g.close();
    }

    const names = new Map<string, string | undefined>();
    for (const lb of this.#balancers.values()) names.set(lb.plan.dnsName.toLowerCase(), lb.taskAddress);
    this.#names = names;
    try {
      await this.#options.hostsFile?.write(
        [...this.#balancers.values()].map((lb) => ({ address: lb.plan.address, name: lb.plan.dnsName })),
      );
    } catch (error) {
      errors.push(error);
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'The load balancer plan was applied in part');
  }

  async #applyBalancer(plan: LoadBalancerPlan, errors: unknown[]): Promise<void> {
    let lb = this.#balancers.get(plan.arn);
    if (lb !== undefined && lb.plan.address !== plan.address) {
      // A new address: every listener binds again.
      this.#balancers.delete(plan.arn);
      void this.#removeBalancer(lb, this.#graceMs());
      lb = undefined;
    }
    if (lb === undefined) {
      const taskAddress = await this.#taskAddress(plan.arn);
      lb = {
        plan,
        addresses: taskAddress === undefined ? [plan.address] : [plan.address, taskAddress],
        taskAddress,
        listeners: new Map(),
      };
      this.#balancers.set(plan.arn, lb);
    }
    lb.plan = plan;
    const ports = new Set<number>();
    for (const listener of plan.listeners) {
      const kind = listenerKind(plan, listener);
      if (kind === undefined) {
        const key = `${listener.arn} ${listener.protocol}`;
        if (!this.#unsupported.has(key)) {
          this.#unsupported.add(key);
          this.#options.log.warn(
            { listenerArn: listener.arn, protocol: listener.protocol, type: plan.type },
            'listener protocol not served by this data plane: not bound',
          );
        }
        continue;
      }
      ports.add(listener.port);
      let running = lb.listeners.get(listener.port);
      if (running !== undefined && running.kind === kind) {
        this.#configure(running, plan, listener);
      } else {
        // Another protocol on the same port: the old listener lets go of the port at once.
        if (running !== undefined) void this.#unbind(lb, listener.port, running, this.#graceMs()).drained;
        try {
          running = await this.#bind(kind, plan, listener, lb.addresses);
        } catch (error) {
          errors.push(error);
          continue;
        }
        lb.listeners.set(listener.port, running);
      }
      try {
        await this.#openToTasks(lb, running);
      } catch (error) {
        errors.push(error);
      }
    }
    // The listeners gone from the plan drain on after apply, but tasks no longer reach them.
    const closed: Promise<void>[] = [];
    for (const [port, running] of lb.listeners) {
      if (ports.has(port)) continue;
      const unbound = this.#unbind(lb, port, running, this.#graceMs());
      void unbound.drained;
      closed.push(unbound.closed);
    }
    await Promise.all(closed);
  }

  async #bind(
    kind: 'alb' | 'nlb',
    lb: LoadBalancerPlan,
    plan: ListenerPlan,
    addresses: readonly string[],
  ): Promise<Listener> {
    if (kind === 'alb') {
      const runtime = new AlbListener(this.#services, this.#albConfig(lb, plan));
      await runtime.listen(addresses);
      return { kind, plan, runtime, openToTasks: false };
    }
    const runtime = new NlbListener(this.#services, this.#nlbConfig(plan));
    await runtime.listen(addresses);
    return { kind, plan, runtime, openToTasks: false };
  }

  /** Opens a bound listener's port on the task address to tasks; the next apply retries a failure. */
  async #openToTasks(lb: LoadBalancerRuntime, listener: Listener): Promise<void> {
    const address = lb.taskAddress;
    if (address === undefined || listener.openToTasks) return;
    await this.#host((host) => host.openPort(address, listener.plan.port));
    listener.openToTasks = true;
  }

  /**
   * Unbinds a listener at once and closes its port to tasks (their connections go on, as on the
   * loopback address): `closed` once tasks no longer reach the port, `drained` once its
   * connections have finished, within `graceMs`.
   */
  #unbind(
    lb: LoadBalancerRuntime,
    port: number,
    listener: Listener,
    graceMs: number,
  ): { closed: Promise<void>; drained: Promise<void> } {
    lb.listeners.delete(port);
    const address = lb.taskAddress;
    const closed =
      address === undefined
        ? Promise.resolve()
        : this.#host((host) => host.closePort(address, port)).catch((err: unknown) => {
            this.#options.log.warn({ err, address, port }, 'could not close a load balancer port to tasks');
          });
    return { closed, drained: closeListener(listener, graceMs) };
  }

  #configure(listener: Listener, lb: LoadBalancerPlan, plan: ListenerPlan): void {
    if (listener.kind === 'alb') listener.runtime.config = this.#albConfig(lb, plan);
    else listener.runtime.config = this.#nlbConfig(plan);
  }

  #albConfig(lb: LoadBalancerPlan, plan: ListenerPlan): AlbListenerConfig {
    return {
      address: lb.address,
      port: plan.port,
      idleTimeoutMs: lb.idleTimeoutMs,
      rules: compileRules(plan.rules, (rule) => compileAlbAction(rule, (arn) => this.#groups.get(arn))),
    };
  }

  #nlbConfig(plan: ListenerPlan): NlbListenerConfig {
    const action = plan.rules[plan.rules.length - 1]?.actions.at(-1);
    const arn = action?.type === 'forward' ? action.targetGroups.find((g) => g.weight > 0)?.arn : undefined;
    return { port: plan.port, group: arn === undefined ? undefined : this.#groups.get(arn) };
  }

  async #taskAddress(arn: string): Promise<string | undefined> {
    const hostAddresses = this.#options.hostAddresses;
    if (hostAddresses === undefined) return undefined;
    const taken = new Set<string>();
    for (const lb of this.#balancers.values()) if (lb.taskAddress) taken.add(lb.taskAddress);
    const address = taskAddressFor(arn, taken);
    await this.#host((host) => host.ensure(address));
    return address;
  }

  #graceMs(): number {
    return this.#options.listenerGraceMs ?? 30_000;
  }

  /**
   * Unbinds a load balancer's listeners at once; their connections finish within `graceMs`,
   * then its task address leaves the host (unless a load balancer took it again meanwhile).
   */
  async #removeBalancer(lb: LoadBalancerRuntime, graceMs: number): Promise<void> {
    await Promise.all(
      [...lb.listeners].flatMap(([port, l]) => {
        const { closed, drained } = this.#unbind(lb, port, l, graceMs);
        return [closed, drained];
      }),
    );
    const address = lb.taskAddress;
    if (address === undefined) return;
    for (const other of this.#balancers.values()) if (other.taskAddress === address) return;
    try {
      await this.#host((host) => host.remove(address));
    } catch (err) {
      this.#options.log.warn({ err, address }, 'could not remove a load balancer task address');
    }
  }

  #host(call: (host: HostAddresses) => Promise<void>): Promise<void> {
    const host = this.#options.hostAddresses;
    if (host === undefined) return Promise.resolve();
    const result = this.#hostQueue.then(() => call(host));
    this.#hostQueue = result.catch(() => {});
    return result;
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => {});
    return result;
  }
}

/** Which listener runs a listener plan: HTTP on an ALB, TCP on an NLB; others are not served. */
function listenerKind(lb: LoadBalancerPlan, listener: ListenerPlan): 'alb' | 'nlb' | undefined {
  if (lb.type === 'application' && listener.protocol === 'HTTP') return 'alb';
  if (lb.type === 'network' && listener.protocol === 'TCP') return 'nlb';
  return undefined;
}

/** The target groups some listener forwards to: only their targets are health checked. */
function usedGroups(plan: LbPlan): Set<string> {
  const used = new Set<string>();
  for (const lb of plan.loadBalancers) {
    for (const listener of lb.listeners) {
      for (const rule of listener.rules) {
        for (const action of rule.actions) {
          if (action.type === 'forward') for (const g of action.targetGroups) used.add(g.arn);
        }
      }
    }
  }
  return used;
}

async function closeListener(listener: Listener, graceMs: number): Promise<void> {
  if (listener.kind === 'alb') {
    await listener.runtime.close(graceMs);
  } else {
    listener.runtime.destroyFlows();
    await listener.runtime.close();
  }
}
