import { CreateLoadBalancerCommand, CreateTargetGroupCommand, paginateDescribeLoadBalancers, waitUntilLoadBalancerExists } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startTestNeargate } from './test/support/neargate.ts';
import { elbv2Client } from './test/support/aws-clients.ts';
const ng = await startTestNeargate();
const elb = elbv2Client(ng);
let t = Date.now();
for (const n of ['a','b','c']) {
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: n, Subnets: ['subnet-a', 'subnet-b'] }))).LoadBalancers![0]!;
  await elb.send(new CreateTargetGroupCommand({ Name: `${n}-tg`, Protocol: 'HTTP', Port: 80, TargetType: 'ip', VpcId: lb.VpcId! }));
  console.log('setup', Date.now() - t); t = Date.now();
}
for await (const page of paginateDescribeLoadBalancers({ client: elb, pageSize: 1 }, {})) { console.log('page', Date.now() - t, page.LoadBalancers?.map(l=>l.LoadBalancerName), page.NextMarker); t = Date.now(); }
await waitUntilLoadBalancerExists({ client: elb, maxWaitTime: 30, minDelay: 1 }, { Names: ['a'] });
console.log('wait', Date.now() - t);
await ng.stop();
