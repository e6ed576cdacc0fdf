/**
 * neargate's ALB data plane alone in a process, on a thread of its own as the server runs it
 * (WorkerLbDataPlane), as the benchmark drives it: one load balancer, one HTTP listener, one
 * target group of the given targets (round robin, health checks every 5 s), and `rules` path
 * rules evaluated (and missed) before the default forward. Prints `ready` once listening.
 *
 *   node --import tsx bench/lb/alb-process.ts <address> <port> <rules> <targetPort>...
 */
import pino from 'pino';
import type { RulePlan } from '../../src/lb/lb-plan.ts';
import { WorkerLbDataPlane } from '../../src/lb/worker-lb-data-plane.ts';

const [address, port, ruleCount, ...targetPorts] = process.argv.slice(2);
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/bench/1';
const rules: RulePlan[] = Array.from({ length: Number(ruleCount) }, (_, i) => ({
  arn: `rule-${i}`,
  priority: i + 1,
  conditions: [
    { field: 'path-pattern', values: [`/api/v${i}/*`, `/static/${i}/*.js`] },
    { field: 'http-header', name: 'x-tenant', values: [`tenant-${i}`] },
  ],
  actions: [{ type: 'fixed-response', statusCode: '404' }],
}));
rules.push({
  arn: 'default',
  priority: 'default',
  conditions: [],
  actions: [{ type: 'forward', targetGroups: [{ arn: TG, weight: 1 }] }],
});
const dp = new WorkerLbDataPlane({ log: pino({ level: 'warn' }) });
await dp.apply({
  targetGroups: [
    {
      arn: TG,
      protocol: 'HTTP',
      port: 80,
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        port: 'traffic-port',
        path: '/',
        intervalMs: 5_000,
        timeoutMs: 2_000,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        matcher: '200',
      },
      stickiness: { enabled: false, type: 'lb_cookie', durationSeconds: 86_400 },
      algorithm: 'round_robin',
      targets: targetPorts.map((p) => ({ id: '127.0.0.1', port: Number(p) })),
    },
  ],
  loadBalancers: [
    {
      arn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/bench/1',
      type: 'application',
      address: address!,
      dnsName: 'bench-1.us-east-1.elb.amazonaws.com',
      idleTimeoutMs: 60_000,
      listeners: [{ arn: 'listener', port: Number(port), protocol: 'HTTP', rules }],
    },
  ],
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => void dp.close().then(() => process.exit(0)));
