import { execFile } from 'node:child_process';
import {
  CreateListenerCommand,
  type CreateListenerCommandInput,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * A busybox httpd on `port` whose page says `page` (shell words: $(hostname), $REV...), at `/`
 * and at each of `paths` (`/app/`...).
 */
export function httpd(page: string, port = 8080, paths: readonly string[] = []): string[] {
  const dirs = ['/www', ...paths.map((p) => `/www${p}`)];
  const write = dirs.map((d) => `mkdir -p ${d} && echo "${page}" > ${d}/index.html`).join(' && ');
  return ['sh', '-c', `${write} && trap "exit 0" TERM; httpd -f -p ${port} -h /www & wait`];
}

/** Quick health checks (ELB's least), so tests wait seconds, not minutes. */
export const QUICK_CHECKS = {
  HealthCheckIntervalSeconds: 5,
  HealthCheckTimeoutSeconds: 4,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
} satisfies Partial<CreateTargetGroupCommandInput>;

/** Creates a load balancer of two subnets and waits until the data plane runs it (active). */
export async function createLoadBalancer(
  elb: ElasticLoadBalancingV2Client,
  name: string,
  opts: { type?: 'application' | 'network'; subnets?: string[] } = {},
): Promise<LoadBalancer> {
  const out = await elb.send(
    new CreateLoadBalancerCommand({
      Name: name,
      Type: opts.type ?? 'application',
      Subnets: opts.subnets ?? ['subnet-0000000a', 'subnet-0000000b'],
    }),
  );
  return await until(async () => {
    const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers![0]!;
    return lb.State?.Code === 'active' ? lb : undefined;
  }, `${out.LoadBalancers![0]!.LoadBalancerArn} to be active`);
}

export async function createTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  lb: LoadBalancer,
  input: Partial<CreateTargetGroupCommandInput> & { Name: string },
): Promise<TargetGroup> {
  const out = await elb.send(
    new CreateTargetGroupCommand({
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'ip',
      VpcId: lb.VpcId!,
      ...input,
    }),
  );
  return out.TargetGroups![0]!;
}

/** A listener whose default action forwards to `tg`. */
export async function forwardingListener(
  elb: ElasticLoadBalancingV2Client,
  lb: LoadBalancer,
  tg: TargetGroup,
  extra: Partial<CreateListenerCommandInput> = {},
): Promise<string> {
  const out = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn!,
      Protocol: lb.Type === 'network' ? 'TCP' : 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
      ...extra,
    }),
  );
  return out.Listeners![0]!.ListenerArn!;
}

/** Polls DescribeTargetHealth until `done` holds of the group's targets; returns them. */
export async function waitForTargets(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  done: (targets: TargetHealthDescription[]) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<TargetHealthDescription[]> {
  let last: TargetHealthDescription[] = [];
  try {
    return await until(
      async () => {
        last = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
          .TargetHealthDescriptions!;
        return done(last) ? last : undefined;
      },
      what,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}

export const states = (targets: readonly TargetHealthDescription[]) =>
  targets.map((t) => t.TargetHealth?.State);

/** What curl gets (status and body), resolving the name as programs on the host do (/etc/hosts). */
export function curl(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '--max-time', '20', '-w', '\n%{http_code}', url],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`curl ${url}: ${stderr || err.message}`));
        const cut = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
      },
    );
  });
}

/** Polls `probe` until it gives a value. */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
