import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

/**
 * Every ELBv2 operation neargate has, through Debian's AWS CLI (awsQuery: the CLI writes the
 * form and parses the XML), with the defaults AWS documents and the errors the CLI reports.
 */
let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const elb = (...args: string[]) => aws(ng.env, ['elbv2', ...args]);

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read as the test needs it.
async function ok(...args: string[]): Promise<any> {
  const r = await elb(...args);
  assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
  return r.json ?? {};
}

/** Runs a command that must fail with `code`; returns the message the CLI printed. */
async function fails(code: string, ...args: string[]): Promise<string> {
  const r = await elb(...args);
  assert.notEqual(r.code, 0, `${args[0]} succeeded: ${r.stdout}`);
  const m = /An error occurred \(([\w.]+)\) when calling the \w+ operation: (.*)/s.exec(r.stderr);
  assert.equal(m?.[1], code, r.stderr);
  return m![2]!.trim();
}

/**
 * Every item of a describe command, a page of `size` at a time, following NextMarker with
 * --marker (the CLI turns its own pagination off when a command is given --page-size, which
 * is ELB's PageSize).
 */
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read as the test needs it.
async function allPages(key: string, size: number, ...args: string[]): Promise<any[]> {
  const items = [];
  let marker: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await ok(...args, '--page-size', String(size), ...(marker ? ['--marker', marker] : []));
    assert.ok(page[key].length <= size, `a page of ${page[key].length}`);
    items.push(...page[key]);
    marker = page.NextMarker;
    if (!marker) return items;
    assert.equal(page[key].length, size, 'only the last page is short');
  }
  throw new Error('no last page');
}

const LB_ARN =
  /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/(app|net)\/[\w-]+\/[0-9a-f]{16}$/;
const TG_ARN = /^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\/[\w-]+\/[0-9a-f]{16}$/;

async function albWithTargetGroup(name: string) {
  const lb = (await ok('create-load-balancer', '--name', name, '--subnets', 'subnet-a', 'subnet-b'))
    .LoadBalancers[0];
  const tg = (
    await ok(
      'create-target-group',
      '--name',
      `${name}-tg`,
      '--protocol',
      'HTTP',
      '--port',
      '8080',
      '--target-type',
      'ip',
      '--vpc-id',
      lb.VpcId,
    )
  ).TargetGroups[0];
  return { lb, tg };
}

describe('load balancers through the AWS CLI', () => {
  test('an Application Load Balancer: ARN, DNS name and hosted zone as AWS forms them, zones from its subnets', async () => {
    const lb = (await ok('create-load-balancer', '--name', 'web', '--subnets', 'subnet-a', 'subnet-b'))
      .LoadBalancers[0];
    assert.match(lb.LoadBalancerArn, LB_ARN);
    assert.match(lb.LoadBalancerArn, /loadbalancer\/app\/web\//);
    assert.match(lb.DNSName, /^web-[1-9]\d{9}\.us-east-1\.elb\.amazonaws\.com$/);
    assert.equal(lb.CanonicalHostedZoneId, 'Z35SXDOTRQ7X7K');
    assert.equal(lb.Scheme, 'internet-facing');
    assert.equal(lb.Type, 'application');
    assert.deepEqual(lb.State, { Code: 'provisioning' }, 'until the data plane runs it');
    assert.equal(lb.IpAddressType, 'ipv4');
    assert.match(lb.VpcId, /^vpc-[0-9a-f]{17}$/);
    assert.deepEqual(
      lb.AvailabilityZones.map((z: { ZoneName: string; SubnetId: string }) => [z.SubnetId, z.ZoneName]),
      [
        ['subnet-a', 'us-east-1a'],
        ['subnet-b', 'us-east-1b'],
      ],
    );
    assert.ok(Date.now() - Date.parse(lb.CreatedTime) < 60_000, lb.CreatedTime);

    const again = (await ok('create-load-balancer', '--name', 'web', '--subnets', 'subnet-b', 'subnet-a'))
      .LoadBalancers[0];
    assert.equal(
      again.LoadBalancerArn,
      lb.LoadBalancerArn,
      'the same settings answer the load balancer that exists',
    );
    assert.equal(
      await fails(
        'DuplicateLoadBalancerName',
        'create-load-balancer',
        '--name',
        'web',
        '--subnets',
        'subnet-a',
        'subnet-c',
      ),
      "A load balancer with the same name 'web' exists, but with different settings",
    );
    assert.equal(
      await fails(
        'DuplicateLoadBalancerName',
        'create-load-balancer',
        '--name',
        'web',
        '--subnets',
        'subnet-a',
        'subnet-b',
        '--scheme',
        'internal',
      ),
      "A load balancer with the same name 'web' exists, but with different settings",
    );
  });

  test('an internal ALB and a Network Load Balancer are named as AWS names them', async () => {
    const internal = (
      await ok(
        'create-load-balancer',
        '--name',
        'back',
        '--scheme',
        'internal',
        '--subnets',
        'subnet-a',
        'subnet-b',
        '--security-groups',
        'sg-0123',
      )
    ).LoadBalancers[0];
    assert.match(internal.DNSName, /^internal-back-[1-9]\d{9}\.us-east-1\.elb\.amazonaws\.com$/);
    assert.deepEqual(internal.SecurityGroups, ['sg-0123']);
    const nlb = (
      await ok('create-load-balancer', '--name', 'tcp', '--type', 'network', '--subnets', 'subnet-a')
    ).LoadBalancers[0];
    const id = nlb.LoadBalancerArn.split('/').at(-1);
    assert.match(nlb.LoadBalancerArn, /loadbalancer\/net\/tcp\/[0-9a-f]{16}$/);
    assert.equal(nlb.DNSName, `tcp-${id}.elb.us-east-1.amazonaws.com`);
    assert.equal(nlb.CanonicalHostedZoneId, 'Z26RNL4JYFTOTI');
    assert.equal(nlb.Type, 'network');
    assert.equal(nlb.SecurityGroups, undefined);
  });

  test('subnets as ELB requires them, names as ELB allows them', async () => {
    assert.equal(
      await fails('ValidationError', 'create-load-balancer', '--name', 'one', '--subnets', 'subnet-a'),
      'At least two subnets in two different Availability Zones must be specified',
    );
    // The default VPC gives subnets the zones a to f in turn: the seventh new subnet is in a again.
    for (const s of ['c', 'd', 'e', 'f'])
      await ok('create-load-balancer', '--name', `z${s}`, '--type', 'network', '--subnets', `subnet-${s}`);
    await ok('create-load-balancer', '--name', 'zg', '--type', 'network', '--subnets', 'subnet-g');
    assert.equal(
      await fails(
        'InvalidConfigurationRequest',
        'create-load-balancer',
        '--name',
        'same-zone',
        '--subnets',
        'subnet-a',
        'subnet-g',
      ),
      'A load balancer cannot be attached to multiple subnets in the same Availability Zone',
    );
    assert.equal(
      await fails(
        'ValidationError',
        'create-load-balancer',
        '--name',
        'bad',
        '--subnets',
        'subnet-a',
        'nope',
      ),
      "The subnet ID 'nope' is not valid",
    );
    assert.match(
      await fails(
        'ValidationError',
        'create-load-balancer',
        '--name',
        'a_b',
        '--subnets',
        'subnet-a',
        'subnet-b',
      ),
      /can only contain characters that are alphanumeric characters or hyphens/,
    );
    assert.match(
      await fails(
        'ValidationError',
        'create-load-balancer',
        '--name',
        'internal-x',
        '--subnets',
        'subnet-a',
        'subnet-b',
      ),
      /cannot begin with 'internal-'/,
    );
    assert.match(
      await fails(
        'ValidationError',
        'create-load-balancer',
        '--name',
        'x'.repeat(33),
        '--subnets',
        'subnet-a',
        'subnet-b',
      ),
      /cannot be longer than '32' characters/,
    );
    assert.match(
      await fails(
        'InvalidConfigurationRequest',
        'create-load-balancer',
        '--name',
        'gw',
        '--type',
        'gateway',
        '--subnets',
        'subnet-a',
      ),
      /'gateway' are not supported/,
    );
  });

  test('describe-load-balancers by name and ARN, the CLI following NextMarker page by page', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await ok('create-load-balancer', '--name', n, '--type', 'network', '--subnets', 'subnet-a');
    const all = await allPages('LoadBalancers', 2, 'describe-load-balancers');
    const names = all.map((l: { LoadBalancerName: string }) => l.LoadBalancerName);
    const unpaged = (await ok('describe-load-balancers')).LoadBalancers;
    assert.deepEqual(
      unpaged.map((l: { LoadBalancerName: string }) => l.LoadBalancerName),
      names,
    );
    assert.deepEqual(names, [...names].sort(), 'by name');
    for (const n of ['p1', 'p2', 'p3', 'web', 'tcp']) assert.ok(names.includes(n), n);
    const first = await ok('describe-load-balancers', '--max-items', '2');
    assert.equal(first.LoadBalancers.length, 2);
    const rest = await ok('describe-load-balancers', '--starting-token', first.NextToken);
    assert.deepEqual(
      [...first.LoadBalancers, ...rest.LoadBalancers].map(
        (l: { LoadBalancerName: string }) => l.LoadBalancerName,
      ),
      names,
      "the CLI's own pages: --max-items and --starting-token",
    );
    const two = (await ok('describe-load-balancers', '--names', 'p2', 'p1')).LoadBalancers;
    assert.deepEqual(
      two.map((l: { LoadBalancerName: string }) => l.LoadBalancerName),
      ['p1', 'p2'],
    );
    const byArn = (await ok('describe-load-balancers', '--load-balancer-arns', two[0].LoadBalancerArn))
      .LoadBalancers;
    assert.equal(byArn[0].LoadBalancerName, 'p1');
    assert.equal(
      await fails('LoadBalancerNotFound', 'describe-load-balancers', '--names', 'p1', 'nope', 'gone'),
      "Load balancers '[nope, gone]' not found",
    );
    assert.equal(
      await fails(
        'LoadBalancerNotFound',
        'describe-load-balancers',
        '--load-balancer-arns',
        two[0].LoadBalancerArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
      ),
      'One or more load balancers not found',
    );
    assert.equal(
      await fails(
        'ValidationError',
        'describe-load-balancers',
        '--load-balancer-arns',
        'arn:aws:iam::000000000000:user/x',
      ),
      "'arn:aws:iam::000000000000:user/x' must be in ARN format",
    );
    assert.match(await fails('ValidationError', 'describe-load-balancers', '--page-size', '401'), /pageSize/);
    assert.equal(
      await fails('ValidationError', 'describe-load-balancers', '--marker', 'bm90LWEtbWFya2Vy'),
      'Invalid Marker',
    );
  });

  test('attributes: every key with its default per type, changes checked, deletion protection honoured', async () => {
    const alb = (await ok('create-load-balancer', '--name', 'attrs', '--subnets', 'subnet-a', 'subnet-b'))
      .LoadBalancers[0];
    const attrs = (a: { Key: string; Value: string }[]) => Object.fromEntries(a.map((x) => [x.Key, x.Value]));
    const albAttrs = attrs(
      (await ok('describe-load-balancer-attributes', '--load-balancer-arn', alb.LoadBalancerArn)).Attributes,
    );
    assert.equal(albAttrs['idle_timeout.timeout_seconds'], '60');
    assert.equal(albAttrs['deletion_protection.enabled'], 'false');
    assert.equal(albAttrs['routing.http2.enabled'], 'true');
    assert.equal(albAttrs['routing.http.desync_mitigation_mode'], 'defensive');
    assert.equal(albAttrs['routing.http.xff_header_processing.mode'], 'append');
    assert.equal(albAttrs['client_keep_alive.seconds'], '3600');
    assert.equal(albAttrs['load_balancing.cross_zone.enabled'], 'true');
    assert.equal(albAttrs['access_logs.s3.enabled'], 'false');
    const nlb = (await ok('describe-load-balancers', '--names', 'tcp')).LoadBalancers[0];
    const nlbAttrs = attrs(
      (await ok('describe-load-balancer-attributes', '--load-balancer-arn', nlb.LoadBalancerArn)).Attributes,
    );
    assert.equal(nlbAttrs['load_balancing.cross_zone.enabled'], 'false');
    assert.equal(nlbAttrs['dns_record.client_routing_policy'], 'any_availability_zone');
    assert.equal(nlbAttrs['idle_timeout.timeout_seconds'], undefined, 'an ALB attribute');

    const changed = attrs(
      (
        await ok(
          'modify-load-balancer-attributes',
          '--load-balancer-arn',
          alb.LoadBalancerArn,
          '--attributes',
          'Key=idle_timeout.timeout_seconds,Value=120',
          'Key=deletion_protection.enabled,Value=true',
        )
      ).Attributes,
    );
    assert.equal(changed['idle_timeout.timeout_seconds'], '120');
    assert.equal(changed['routing.http2.enabled'], 'true', 'every attribute is answered');
    assert.equal(
      await fails(
        'ValidationError',
        'modify-load-balancer-attributes',
        '--load-balancer-arn',
        alb.LoadBalancerArn,
        '--attributes',
        'Key=waf.fail_open.enable,Value=true',
      ),
      "Load balancer attribute key 'waf.fail_open.enable' is not recognized",
    );
    assert.equal(
      await fails(
        'ValidationError',
        'modify-load-balancer-attributes',
        '--load-balancer-arn',
        nlb.LoadBalancerArn,
        '--attributes',
        'Key=idle_timeout.timeout_seconds,Value=30',
      ),
      "Load balancer attribute key 'idle_timeout.timeout_seconds' is not recognized",
    );
    assert.match(
      await fails(
        'ValidationError',
        'modify-load-balancer-attributes',
        '--load-balancer-arn',
        alb.LoadBalancerArn,
        '--attributes',
        'Key=idle_timeout.timeout_seconds,Value=0',
      ),
      /must be an integer from 1 to 4000, not '0'/,
    );
    assert.match(
      await fails(
        'InvalidConfigurationRequest',
        'modify-load-balancer-attributes',
        '--load-balancer-arn',
        alb.LoadBalancerArn,
        '--attributes',
        'Key=access_logs.s3.enabled,Value=true',
        'Key=access_logs.s3.bucket,Value=b',
      ),
      /no S3/,
    );

    assert.equal(
      await fails(
        'OperationNotPermitted',
        'delete-load-balancer',
        '--load-balancer-arn',
        alb.LoadBalancerArn,
      ),
      `Load balancer '${alb.LoadBalancerArn}' cannot be deleted because deletion protection is enabled`,
    );
    await ok(
      'modify-load-balancer-attributes',
      '--load-balancer-arn',
      alb.LoadBalancerArn,
      '--attributes',
      'Key=deletion_protection.enabled,Value=false',
    );
    await ok('delete-load-balancer', '--load-balancer-arn', alb.LoadBalancerArn);
    await ok('delete-load-balancer', '--load-balancer-arn', alb.LoadBalancerArn);
    await fails('LoadBalancerNotFound', 'describe-load-balancers', '--names', 'attrs');
    await fails(
      'LoadBalancerNotFound',
      'describe-load-balancer-attributes',
      '--load-balancer-arn',
      alb.LoadBalancerArn,
    );
  });
});

describe('target groups and targets through the AWS CLI', () => {
  test('defaults as AWS documents them, for HTTP and TCP groups', async () => {
    const vpc = (await ok('describe-load-balancers', '--names', 'web')).LoadBalancers[0].VpcId;
    const http = (
      await ok(
        'create-target-group',
        '--name',
        'http-tg',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--target-type',
        'ip',
        '--vpc-id',
        vpc,
      )
    ).TargetGroups[0];
    assert.match(http.TargetGroupArn, TG_ARN);
    assert.deepEqual(
      { ...http, TargetGroupArn: undefined },
      {
        TargetGroupArn: undefined,
        TargetGroupName: 'http-tg',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpc,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckEnabled: true,
        HealthCheckIntervalSeconds: 30,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 5,
        UnhealthyThresholdCount: 2,
        HealthCheckPath: '/',
        Matcher: { HttpCode: '200' },
        LoadBalancerArns: [],
        TargetType: 'ip',
        ProtocolVersion: 'HTTP1',
        IpAddressType: 'ipv4',
      },
    );
    const tcp = (
      await ok(
        'create-target-group',
        '--name',
        'tcp-tg',
        '--protocol',
        'TCP',
        '--port',
        '5432',
        '--target-type',
        'ip',
        '--vpc-id',
        vpc,
      )
    ).TargetGroups[0];
    assert.equal(tcp.HealthCheckProtocol, 'TCP');
    assert.equal(tcp.HealthCheckTimeoutSeconds, 10);
    assert.equal(tcp.HealthCheckPath, undefined);
    assert.equal(tcp.Matcher, undefined);
    const tcpHttp = (
      await ok(
        'create-target-group',
        '--name',
        'tcp-http',
        '--protocol',
        'TCP',
        '--port',
        '80',
        '--target-type',
        'ip',
        '--vpc-id',
        vpc,
        '--health-check-protocol',
        'HTTP',
      )
    ).TargetGroups[0];
    assert.deepEqual(
      [tcpHttp.HealthCheckTimeoutSeconds, tcpHttp.HealthCheckPath, tcpHttp.Matcher],
      [6, '/', { HttpCode: '200-399' }],
    );
    const instance = (
      await ok('create-target-group', '--name', 'inst', '--protocol', 'HTTP', '--port', '80', '--vpc-id', vpc)
    ).TargetGroups[0];
    assert.equal(instance.TargetType, 'instance', "ELB's default target type");

    const attrs = Object.fromEntries(
      (
        await ok('describe-target-group-attributes', '--target-group-arn', http.TargetGroupArn)
      ).Attributes.map((a: { Key: string; Value: string }) => [a.Key, a.Value]),
    );
    assert.equal(attrs['deregistration_delay.timeout_seconds'], '300');
    assert.equal(attrs['stickiness.enabled'], 'false');
    assert.equal(attrs['stickiness.type'], 'lb_cookie');
    assert.equal(attrs['stickiness.lb_cookie.duration_seconds'], '86400');
    assert.equal(attrs['load_balancing.algorithm.type'], 'round_robin');
    assert.equal(attrs['slow_start.duration_seconds'], '0');
    const tcpAttrs = Object.fromEntries(
      (await ok('describe-target-group-attributes', '--target-group-arn', tcp.TargetGroupArn)).Attributes.map(
        (a: { Key: string; Value: string }) => [a.Key, a.Value],
      ),
    );
    assert.equal(tcpAttrs['stickiness.type'], 'source_ip');
    assert.equal(tcpAttrs['preserve_client_ip.enabled'], 'false', 'off for IP targets over TCP');
    assert.equal(tcpAttrs['proxy_protocol_v2.enabled'], 'false');
    assert.equal(tcpAttrs['load_balancing.algorithm.type'], undefined, 'an ALB attribute');
  });

  test('health checks as asked, checked as ELB checks them; modify-target-group keeps what it is not told', async () => {
    const tg = (
      await ok(
        'create-target-group',
        '--name',
        'hc',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--target-type',
        'ip',
        '--health-check-path',
        '/healthz',
        '--health-check-interval-seconds',
        '10',
        '--health-check-timeout-seconds',
        '3',
        '--healthy-threshold-count',
        '2',
        '--unhealthy-threshold-count',
        '3',
        '--health-check-port',
        '8081',
        '--matcher',
        'HttpCode=200-299',
      )
    ).TargetGroups[0];
    assert.deepEqual(
      [
        tg.HealthCheckPath,
        tg.HealthCheckIntervalSeconds,
        tg.HealthCheckTimeoutSeconds,
        tg.HealthyThresholdCount,
        tg.UnhealthyThresholdCount,
        tg.HealthCheckPort,
        tg.Matcher,
      ],
      ['/healthz', 10, 3, 2, 3, '8081', { HttpCode: '200-299' }],
    );
    const modified = (
      await ok(
        'modify-target-group',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--health-check-interval-seconds',
        '15',
        '--matcher',
        '{"HttpCode":"200,204"}',
      )
    ).TargetGroups[0];
    assert.deepEqual(
      [modified.HealthCheckIntervalSeconds, modified.HealthCheckPath, modified.Matcher],
      [15, '/healthz', { HttpCode: '200,204' }],
    );
    assert.equal(
      await fails(
        'ValidationError',
        'modify-target-group',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--health-check-timeout-seconds',
        '20',
      ),
      'Health check interval must be greater than the timeout.',
    );
    assert.match(
      await fails(
        'ValidationError',
        'modify-target-group',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--health-check-protocol',
        'TCP',
      ),
      /not supported for target groups with the protocol 'HTTP'/,
    );
    assert.match(
      await fails(
        'ValidationError',
        'modify-target-group',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--matcher',
        'HttpCode=600',
      ),
      /from 200 to 499/,
    );
    assert.match(
      await fails(
        'ValidationError',
        'modify-target-group',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--health-check-port',
        'http',
      ),
      /'traffic-port' or a port/,
    );
    assert.equal(
      await fails('ValidationError', 'create-target-group', '--name', 'noport', '--protocol', 'HTTP'),
      'A port must be specified',
    );
    assert.match(
      await fails(
        'InvalidConfigurationRequest',
        'create-target-group',
        '--name',
        'fn',
        '--target-type',
        'lambda',
      ),
      /'lambda' is not supported/,
    );
    assert.equal(
      await fails(
        'DuplicateTargetGroupName',
        'create-target-group',
        '--name',
        'hc',
        '--protocol',
        'HTTP',
        '--port',
        '81',
        '--target-type',
        'ip',
      ),
      "A target group with the same name 'hc' exists, but with different settings",
    );
    assert.equal(
      await fails(
        'ValidationError',
        'create-target-group',
        '--name',
        'v',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--vpc-id',
        'vpc-0000',
      ),
      "The VPC ID 'vpc-0000' is not found",
    );
  });

  test('target group attributes: changed, every one answered, unknown keys refused', async () => {
    const tg = (await ok('describe-target-groups', '--names', 'http-tg')).TargetGroups[0];
    const out = Object.fromEntries(
      (
        await ok(
          'modify-target-group-attributes',
          '--target-group-arn',
          tg.TargetGroupArn,
          '--attributes',
          'Key=deregistration_delay.timeout_seconds,Value=0',
          'Key=stickiness.enabled,Value=true',
          'Key=load_balancing.algorithm.type,Value=least_outstanding_requests',
        )
      ).Attributes.map((a: { Key: string; Value: string }) => [a.Key, a.Value]),
    );
    assert.deepEqual(
      [
        out['deregistration_delay.timeout_seconds'],
        out['stickiness.enabled'],
        out['load_balancing.algorithm.type'],
        out['stickiness.type'],
      ],
      ['0', 'true', 'least_outstanding_requests', 'lb_cookie'],
    );
    assert.equal(
      await fails(
        'ValidationError',
        'modify-target-group-attributes',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--attributes',
        'Key=proxy_protocol_v2.enabled,Value=true',
      ),
      "Target group attribute key 'proxy_protocol_v2.enabled' is not recognized",
    );
    assert.match(
      await fails(
        'ValidationError',
        'modify-target-group-attributes',
        '--target-group-arn',
        tg.TargetGroupArn,
        '--attributes',
        'Key=slow_start.duration_seconds,Value=10',
      ),
      /0 \(off\) or an integer from 30 to 900/,
    );
    await fails(
      'TargetGroupNotFound',
      'describe-target-group-attributes',
      '--target-group-arn',
      tg.TargetGroupArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
    );
  });

  test('targets: unused until a listener forwards to their group, registering until the data plane runs it, draining after deregistration', async () => {
    const { lb, tg } = await albWithTargetGroup('health');
    const arn = tg.TargetGroupArn;
    await ok(
      'register-targets',
      '--target-group-arn',
      arn,
      '--targets',
      'Id=172.31.0.10',
      'Id=172.31.16.20,Port=9090',
    );
    const health = async () =>
      (await ok('describe-target-health', '--target-group-arn', arn)).TargetHealthDescriptions.map(
        (d: {
          Target: { Id: string; Port: number; AvailabilityZone?: string };
          HealthCheckPort: string;
          TargetHealth: object;
        }) => [d.Target.Id, d.Target.Port, d.Target.AvailabilityZone, d.HealthCheckPort, d.TargetHealth],
      );
    const unused = {
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    };
    assert.deepEqual(await health(), [
      ['172.31.0.10', 8080, 'us-east-1a', '8080', unused],
      ['172.31.16.20', 9090, 'us-east-1b', '9090', unused],
    ]);
    await ok(
      'create-listener',
      '--load-balancer-arn',
      lb.LoadBalancerArn,
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--default-actions',
      `Type=forward,TargetGroupArn=${arn}`,
    );
    const initial = {
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
      Description: 'Target registration is in progress',
    };
    // Registering until the data plane runs the plan, then what its checks find of whatever
    // answers at these addresses on this machine (nothing, or another test's task).
    const checked = new Set([
      'Elb.InitialHealthChecking',
      'Target.ResponseCodeMismatch',
      'Target.Timeout',
      'Target.FailedHealthChecks',
    ]);
    const phases = async () =>
      (await health()).map((h: unknown[]) => {
        const state = h[4] as { State: string; Reason: string };
        return state.State === 'healthy' || checked.has(state.Reason) ? initial : state;
      });
    assert.deepEqual(await phases(), [initial, initial]);
    const described = (await ok('describe-target-groups', '--target-group-arns', arn)).TargetGroups[0];
    assert.deepEqual(described.LoadBalancerArns, [lb.LoadBalancerArn]);

    await ok('deregister-targets', '--target-group-arn', arn, '--targets', 'Id=172.31.0.10');
    const draining = {
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    };
    assert.deepEqual(await phases(), [draining, initial], 'drains for the 300 s default delay');
    await ok('register-targets', '--target-group-arn', arn, '--targets', 'Id=172.31.0.10');
    assert.deepEqual(await phases(), [initial, initial], 'registering again ends the draining');
    await ok(
      'modify-target-group-attributes',
      '--target-group-arn',
      arn,
      '--attributes',
      'Key=deregistration_delay.timeout_seconds,Value=0',
    );
    await ok(
      'deregister-targets',
      '--target-group-arn',
      arn,
      '--targets',
      'Id=172.31.0.10',
      'Id=172.31.99.99',
    );
    assert.deepEqual(
      (await health()).map((h: unknown[]) => h[0]),
      ['172.31.16.20'],
      'without a delay it is gone at once',
    );
    const asked = (
      await ok('describe-target-health', '--target-group-arn', arn, '--targets', 'Id=172.31.0.10')
    ).TargetHealthDescriptions;
    assert.deepEqual(asked[0].TargetHealth, {
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });

    assert.equal(
      await fails(
        'ValidationError',
        'register-targets',
        '--target-group-arn',
        arn,
        '--targets',
        'Id=i-0123456789abcdef0',
      ),
      "The IP address 'i-0123456789abcdef0' is not a valid IPv4 address",
    );
    assert.match(
      await fails(
        'ValidationError',
        'register-targets',
        '--target-group-arn',
        arn,
        '--targets',
        'Id=10.99.0.1',
      ),
      /Availability Zone must be 'all'/,
    );
    await ok('register-targets', '--target-group-arn', arn, '--targets', 'Id=10.99.0.1,AvailabilityZone=all');
    assert.match(
      await fails(
        'InvalidTarget',
        'register-targets',
        '--target-group-arn',
        arn,
        '--targets',
        'Id=8.8.8.8,AvailabilityZone=all',
      ),
      /not a private address/,
    );
    assert.match(
      await fails(
        'InvalidTarget',
        'register-targets',
        '--target-group-arn',
        arn,
        '--targets',
        'Id=172.31.250.1',
      ),
      /not in a subnet of the VPC/,
    );
    await fails(
      'TargetGroupNotFound',
      'register-targets',
      '--target-group-arn',
      arn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
      '--targets',
      'Id=172.31.0.10',
    );
  });

  test('describe-target-groups by load balancer, name, ARN and page; delete-target-group refused while in use', async () => {
    const { lb, tg } = await (async () => {
      const lb = (await ok('describe-load-balancers', '--names', 'health')).LoadBalancers[0];
      return { lb, tg: (await ok('describe-target-groups', '--names', 'health-tg')).TargetGroups[0] };
    })();
    const ofLb = (await ok('describe-target-groups', '--load-balancer-arn', lb.LoadBalancerArn)).TargetGroups;
    assert.deepEqual(
      ofLb.map((t: { TargetGroupName: string }) => t.TargetGroupName),
      ['health-tg'],
    );
    const all = (await allPages('TargetGroups', 2, 'describe-target-groups')).map(
      (t: { TargetGroupName: string }) => t.TargetGroupName,
    );
    assert.deepEqual(all, [...all].sort());
    assert.ok(all.length >= 6);
    assert.equal(
      await fails('TargetGroupNotFound', 'describe-target-groups', '--names', 'nope'),
      "Target groups '[nope]' not found",
    );
    assert.equal(
      await fails(
        'TargetGroupNotFound',
        'describe-target-groups',
        '--target-group-arns',
        tg.TargetGroupArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
      ),
      'One or more target groups not found',
    );
    assert.equal(
      await fails('ResourceInUse', 'delete-target-group', '--target-group-arn', tg.TargetGroupArn),
      `Target group '${tg.TargetGroupArn}' is currently in use by a listener or a rule`,
    );
    const spare = (await ok('describe-target-groups', '--names', 'inst')).TargetGroups[0];
    await ok('delete-target-group', '--target-group-arn', spare.TargetGroupArn);
    await ok('delete-target-group', '--target-group-arn', spare.TargetGroupArn);
    await fails('TargetGroupNotFound', 'describe-target-groups', '--names', 'inst');
  });
});

describe('listeners and rules through the AWS CLI', () => {
  test('listeners: forward, weighted forward, fixed-response and redirect; one per port; protocols per type', async () => {
    const { lb, tg } = await albWithTargetGroup('front');
    const blue = (
      await ok(
        'create-target-group',
        '--name',
        'front-blue',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--target-type',
        'ip',
        '--vpc-id',
        lb.VpcId,
      )
    ).TargetGroups[0];
    const weighted = (
      await ok(
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--default-actions',
        JSON.stringify([
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: tg.TargetGroupArn, Weight: 90 },
                { TargetGroupArn: blue.TargetGroupArn, Weight: 10 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
            },
          },
        ]),
      )
    ).Listeners[0];
    assert.match(
      weighted.ListenerArn,
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:listener\/app\/front\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
    );
    assert.deepEqual(weighted.DefaultActions, [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: tg.TargetGroupArn, Weight: 90 },
            { TargetGroupArn: blue.TargetGroupArn, Weight: 10 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
        },
      },
    ]);
    const fixed = (
      await ok(
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '8081',
        '--default-actions',
        'Type=fixed-response,FixedResponseConfig={StatusCode=503,ContentType=text/plain,MessageBody=down}',
      )
    ).Listeners[0];
    assert.deepEqual(fixed.DefaultActions, [
      {
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain', MessageBody: 'down' },
      },
    ]);
    const redirect = (
      await ok(
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '8082',
        '--default-actions',
        'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}',
      )
    ).Listeners[0];
    assert.deepEqual(redirect.DefaultActions[0].RedirectConfig, {
      Protocol: 'HTTPS',
      Port: '443',
      Host: '#{host}',
      Path: '/#{path}',
      Query: '#{query}',
      StatusCode: 'HTTP_301',
    });

    const same = (
      await ok(
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '8081',
        '--default-actions',
        'Type=fixed-response,FixedResponseConfig={StatusCode=503,ContentType=text/plain,MessageBody=down}',
      )
    ).Listeners[0];
    assert.equal(same.ListenerArn, fixed.ListenerArn, 'the same listener again answers the one that exists');
    assert.equal(
      await fails(
        'DuplicateListener',
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`,
      ),
      `A listener already exists on this port for this load balancer '${lb.LoadBalancerArn}'`,
    );
    assert.equal(
      await fails(
        'ValidationError',
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'TCP',
        '--port',
        '81',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`,
      ),
      "Listener protocol 'TCP' must be one of 'HTTP, HTTPS'",
    );
    assert.equal(
      await fails(
        'CertificateNotFound',
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTPS',
        '--port',
        '443',
        '--certificates',
        'CertificateArn=arn:aws:acm:us-east-1:000000000000:certificate/x',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`,
      ),
      "Certificate 'arn:aws:acm:us-east-1:000000000000:certificate/x' not found",
    );
    assert.match(
      await fails(
        'InvalidLoadBalancerAction',
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '82',
        '--default-actions',
        'Type=redirect,RedirectConfig={StatusCode=HTTP_302}',
      ),
      /must change the protocol, port, host or path/,
    );
    assert.equal(
      await fails(
        'TargetGroupNotFound',
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '83',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tg.TargetGroupArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16))}`,
      ),
      `Target group '${tg.TargetGroupArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16))}' not found`,
    );
    const tcpTg = (await ok('describe-target-groups', '--names', 'tcp-tg')).TargetGroups[0];
    assert.equal(
      await fails(
        'IncompatibleProtocols',
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '84',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tcpTg.TargetGroupArn}`,
      ),
      "Listener protocol 'HTTP' is not supported with a target group with the protocol 'TCP'",
    );
    const other = (await ok('describe-load-balancers', '--names', 'web')).LoadBalancers[0];
    assert.equal(
      await fails(
        'TargetGroupAssociationLimit',
        'create-listener',
        '--load-balancer-arn',
        other.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`,
      ),
      `The following target groups cannot be associated with more than one load balancer: ${tg.TargetGroupArn}`,
    );

    const nlb = (await ok('describe-load-balancers', '--names', 'tcp')).LoadBalancers[0];
    const tcpListener = (
      await ok(
        'create-listener',
        '--load-balancer-arn',
        nlb.LoadBalancerArn,
        '--protocol',
        'TCP',
        '--port',
        '5432',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tcpTg.TargetGroupArn}`,
      )
    ).Listeners[0];
    assert.match(tcpListener.ListenerArn, /listener\/net\/tcp\//);
    assert.equal(
      await fails(
        'ValidationError',
        'create-listener',
        '--load-balancer-arn',
        nlb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tcpTg.TargetGroupArn}`,
      ),
      "Listener protocol 'HTTP' must be one of 'UDP, TCP, TCP_UDP, TLS'",
    );
    assert.match(
      await fails(
        'InvalidLoadBalancerAction',
        'create-listener',
        '--load-balancer-arn',
        nlb.LoadBalancerArn,
        '--protocol',
        'TCP',
        '--port',
        '81',
        '--default-actions',
        'Type=fixed-response,FixedResponseConfig={StatusCode=200}',
      ),
      /not supported by Network Load Balancers/,
    );
  });

  test('describe-listeners, modify-listener and delete-listener', async () => {
    const lb = (await ok('describe-load-balancers', '--names', 'front')).LoadBalancers[0];
    const listeners = await allPages(
      'Listeners',
      1,
      'describe-listeners',
      '--load-balancer-arn',
      lb.LoadBalancerArn,
    );
    assert.deepEqual(
      listeners.map((l: { Port: number }) => l.Port),
      [80, 8081, 8082],
    );
    const byArn = (
      await ok('describe-listeners', '--listener-arns', listeners[2].ListenerArn, listeners[0].ListenerArn)
    ).Listeners;
    assert.deepEqual(
      byArn.map((l: { Port: number }) => l.Port),
      [80, 8082],
    );
    assert.equal(
      await fails('ValidationError', 'describe-listeners'),
      'You must specify either listener ARNs or a load balancer ARN',
    );
    assert.equal(
      await fails(
        'ListenerNotFound',
        'describe-listeners',
        '--listener-arns',
        listeners[0].ListenerArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
      ),
      'One or more listeners not found',
    );

    const moved = (
      await ok(
        'modify-listener',
        '--listener-arn',
        listeners[1].ListenerArn,
        '--port',
        '9000',
        '--default-actions',
        'Type=fixed-response,FixedResponseConfig={StatusCode=200}',
      )
    ).Listeners[0];
    assert.deepEqual(
      [moved.Port, moved.Protocol, moved.DefaultActions],
      [9000, 'HTTP', [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }]],
    );
    await fails(
      'DuplicateListener',
      'modify-listener',
      '--listener-arn',
      listeners[1].ListenerArn,
      '--port',
      '80',
    );
    await ok('delete-listener', '--listener-arn', listeners[2].ListenerArn);
    await fails('ListenerNotFound', 'delete-listener', '--listener-arn', listeners[2].ListenerArn);
    const left = (await ok('describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn)).Listeners;
    assert.deepEqual(
      left.map((l: { Port: number }) => l.Port),
      [80, 9000],
    );
  });

  test('rules: every condition in both forms, priorities unique per listener, the default rule last', async () => {
    const lb = (await ok('describe-load-balancers', '--names', 'front')).LoadBalancers[0];
    const listener = (await ok('describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn)).Listeners[0];
    const tg = (await ok('describe-target-groups', '--names', 'front-blue')).TargetGroups[0];
    const forward = `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`;
    const create = (priority: string, conditions: string) =>
      ok(
        'create-rule',
        '--listener-arn',
        listener.ListenerArn,
        '--priority',
        priority,
        '--conditions',
        conditions,
        '--actions',
        forward,
      );
    const old = (await create('10', 'Field=path-pattern,Values=/api/*')).Rules[0];
    assert.deepEqual(old.Conditions, [
      { Field: 'path-pattern', Values: ['/api/*'], PathPatternConfig: { Values: ['/api/*'] } },
    ]);
    assert.equal(old.Priority, '10');
    assert.equal(old.IsDefault, false);
    assert.match(
      old.RuleArn,
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule\/app\/front\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
    );
    const all = (
      await create(
        '20',
        JSON.stringify([
          { Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } },
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['yes'] } },
          { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
          { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
          { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } },
        ]),
      )
    ).Rules[0];
    assert.deepEqual(all.Conditions, [
      { Field: 'host-header', Values: ['*.example.com'], HostHeaderConfig: { Values: ['*.example.com'] } },
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['yes'] } },
      { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
      { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
      { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } },
    ]);
    assert.equal(
      await fails(
        'PriorityInUse',
        'create-rule',
        '--listener-arn',
        listener.ListenerArn,
        '--priority',
        '10',
        '--conditions',
        'Field=path-pattern,Values=/x',
        '--actions',
        forward,
      ),
      "Priority '10' is currently in use",
    );
    assert.match(
      await fails(
        'ValidationError',
        'create-rule',
        '--listener-arn',
        listener.ListenerArn,
        '--priority',
        '50001',
        '--conditions',
        'Field=path-pattern,Values=/x',
        '--actions',
        forward,
      ),
      /priority.*less than or equal to 50000/,
    );
    assert.equal(
      await fails(
        'ValidationError',
        'create-rule',
        '--listener-arn',
        listener.ListenerArn,
        '--priority',
        '30',
        '--conditions',
        'Field=path-pattern,Values=/a,/b,/c,/d,/e,/f',
        '--actions',
        forward,
      ),
      "A rule can only have '5' condition values",
    );
    assert.match(
      await fails(
        'ValidationError',
        'create-rule',
        '--listener-arn',
        listener.ListenerArn,
        '--priority',
        '30',
        '--conditions',
        'Field=cookie,Values=x',
        '--actions',
        forward,
      ),
      /Condition field 'cookie' must be one of/,
    );
    assert.match(
      await fails(
        'ValidationError',
        'create-rule',
        '--listener-arn',
        listener.ListenerArn,
        '--priority',
        '30',
        '--conditions',
        'Field=path-pattern,Values=/a',
        'Field=path-pattern,Values=/b',
        '--actions',
        forward,
      ),
      /only have one 'path-pattern' condition/,
    );

    const rules = await allPages('Rules', 1, 'describe-rules', '--listener-arn', listener.ListenerArn);
    assert.deepEqual(
      rules.map((r: { Priority: string; IsDefault: boolean }) => [r.Priority, r.IsDefault]),
      [
        ['10', false],
        ['20', false],
        ['default', true],
      ],
    );
    assert.deepEqual(rules[2].Conditions, []);
    assert.equal(rules[2].Actions[0].Type, 'forward');

    const swapped = (
      await ok(
        'set-rule-priorities',
        '--rule-priorities',
        `RuleArn=${old.RuleArn},Priority=20`,
        `RuleArn=${all.RuleArn},Priority=10`,
      )
    ).Rules;
    assert.deepEqual(
      swapped.map((r: { RuleArn: string; Priority: string }) => [r.RuleArn, r.Priority]),
      [
        [all.RuleArn, '10'],
        [old.RuleArn, '20'],
      ],
    );
    assert.equal(
      await fails(
        'PriorityInUse',
        'set-rule-priorities',
        '--rule-priorities',
        `RuleArn=${old.RuleArn},Priority=10`,
      ),
      "Priority '10' is currently in use",
    );
    assert.equal(
      await fails(
        'ValidationError',
        'set-rule-priorities',
        '--rule-priorities',
        `RuleArn=${old.RuleArn},Priority=5`,
        `RuleArn=${all.RuleArn},Priority=5`,
      ),
      "Priority '5' was provided multiple times",
    );
    await fails(
      'OperationNotPermitted',
      'set-rule-priorities',
      '--rule-priorities',
      `RuleArn=${rules[2].RuleArn},Priority=5`,
    );

    const modified = (
      await ok('modify-rule', '--rule-arn', old.RuleArn, '--conditions', 'Field=path-pattern,Values=/v2/*')
    ).Rules[0];
    assert.deepEqual(
      [modified.Priority, modified.Conditions[0].Values, modified.Actions[0].TargetGroupArn],
      ['20', ['/v2/*'], tg.TargetGroupArn],
    );
    const defaultModified = (
      await ok(
        'modify-rule',
        '--rule-arn',
        rules[2].RuleArn,
        '--actions',
        'Type=fixed-response,FixedResponseConfig={StatusCode=404}',
      )
    ).Rules[0];
    assert.equal(defaultModified.Actions[0].Type, 'fixed-response');
    const listenerNow = (await ok('describe-listeners', '--listener-arns', listener.ListenerArn))
      .Listeners[0];
    assert.equal(
      listenerNow.DefaultActions[0].Type,
      'fixed-response',
      "the default rule's actions are the listener's",
    );
    await fails(
      'OperationNotPermitted',
      'modify-rule',
      '--rule-arn',
      rules[2].RuleArn,
      '--conditions',
      'Field=path-pattern,Values=/x',
    );
    await fails('OperationNotPermitted', 'delete-rule', '--rule-arn', rules[2].RuleArn);
    await ok('delete-rule', '--rule-arn', all.RuleArn);
    await fails('RuleNotFound', 'delete-rule', '--rule-arn', all.RuleArn);
    const byArn = (await ok('describe-rules', '--rule-arns', old.RuleArn, rules[2].RuleArn)).Rules;
    assert.deepEqual(
      byArn.map((r: { Priority: string }) => r.Priority),
      ['20', 'default'],
    );
    assert.equal(
      await fails('RuleNotFound', 'describe-rules', '--rule-arns', all.RuleArn),
      'One or more rules not found',
    );

    const nlbListener = (
      await ok(
        'describe-listeners',
        '--load-balancer-arn',
        (
          await ok('describe-load-balancers', '--names', 'tcp')
        ).LoadBalancers[0].LoadBalancerArn,
      )
    ).Listeners[0];
    await fails(
      'InvalidConfigurationRequest',
      'create-rule',
      '--listener-arn',
      nlbListener.ListenerArn,
      '--priority',
      '1',
      '--conditions',
      'Field=path-pattern,Values=/x',
      '--actions',
      forward,
    );
  });

  test('deleting a load balancer deletes its listeners and rules, and frees its target groups', async () => {
    const lb = (await ok('describe-load-balancers', '--names', 'front')).LoadBalancers[0];
    const listener = (await ok('describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn)).Listeners[0];
    const tg = (await ok('describe-target-groups', '--names', 'front-tg')).TargetGroups[0];
    await ok('delete-load-balancer', '--load-balancer-arn', lb.LoadBalancerArn);
    await fails('ListenerNotFound', 'describe-listeners', '--listener-arns', listener.ListenerArn);
    await fails('ListenerNotFound', 'describe-rules', '--listener-arn', listener.ListenerArn);
    assert.deepEqual(
      (await ok('describe-target-groups', '--names', 'front-tg')).TargetGroups[0].LoadBalancerArns,
      [],
    );
    await ok('delete-target-group', '--target-group-arn', tg.TargetGroupArn);
  });
});

describe('tags and limits through the AWS CLI', () => {
  test('add-tags, describe-tags and remove-tags on load balancers, target groups, listeners and rules', async () => {
    const lb = (await ok('describe-load-balancers', '--names', 'health')).LoadBalancers[0];
    const tg = (await ok('describe-target-groups', '--names', 'health-tg')).TargetGroups[0];
    const listener = (await ok('describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn)).Listeners[0];
    const rule = (await ok('describe-rules', '--listener-arn', listener.ListenerArn)).Rules[0];
    const arns = [lb.LoadBalancerArn, tg.TargetGroupArn, listener.ListenerArn, rule.RuleArn];
    await ok('add-tags', '--resource-arns', ...arns, '--tags', 'Key=team,Value=web', 'Key=env,Value=');
    await ok('add-tags', '--resource-arns', lb.LoadBalancerArn, '--tags', 'Key=team,Value=platform');
    const described = (await ok('describe-tags', '--resource-arns', ...arns)).TagDescriptions;
    assert.deepEqual(
      described.map((d: { ResourceArn: string }) => d.ResourceArn),
      arns,
    );
    assert.deepEqual(described[0].Tags, [
      { Key: 'env', Value: '' },
      { Key: 'team', Value: 'platform' },
    ]);
    assert.deepEqual(described[3].Tags, [
      { Key: 'env', Value: '' },
      { Key: 'team', Value: 'web' },
    ]);
    await ok('remove-tags', '--resource-arns', tg.TargetGroupArn, rule.RuleArn, '--tag-keys', 'team');
    const after = (await ok('describe-tags', '--resource-arns', tg.TargetGroupArn, rule.RuleArn))
      .TagDescriptions;
    assert.deepEqual(
      after.map((d: { Tags: unknown[] }) => d.Tags),
      [[{ Key: 'env', Value: '' }], [{ Key: 'env', Value: '' }]],
    );
    assert.equal(
      await fails(
        'DuplicateTagKeys',
        'add-tags',
        '--resource-arns',
        lb.LoadBalancerArn,
        '--tags',
        'Key=a,Value=1',
        'Key=a,Value=2',
      ),
      'Tag key was specified more than once: a',
    );
    await fails(
      'LoadBalancerNotFound',
      'describe-tags',
      '--resource-arns',
      lb.LoadBalancerArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
    );
    await fails(
      'TargetGroupNotFound',
      'add-tags',
      '--resource-arns',
      tg.TargetGroupArn.replace(/[0-9a-f]{16}$/, '0'.repeat(16)),
      '--tags',
      'Key=a,Value=1',
    );
    const created = (
      await ok(
        'create-target-group',
        '--name',
        'tagged',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--target-type',
        'ip',
        '--tags',
        'Key=owner,Value=me',
      )
    ).TargetGroups[0];
    assert.deepEqual(
      (await ok('describe-tags', '--resource-arns', created.TargetGroupArn)).TagDescriptions[0].Tags,
      [{ Key: 'owner', Value: 'me' }],
    );
  });

  test('describe-account-limits names the quotas neargate enforces', async () => {
    const limits = Object.fromEntries(
      (await ok('describe-account-limits')).Limits.map((l: { Name: string; Max: string }) => [l.Name, l.Max]),
    );
    assert.equal(limits['application-load-balancers'], '50');
    assert.equal(limits['rules-per-application-load-balancer'], '100');
    assert.equal(limits['condition-values-per-alb-rule'], '5');
  });

  test('an operation of the model that neargate does not have is an invalid action', async () => {
    assert.equal(
      await fails('InvalidAction', 'describe-ssl-policies'),
      'The action DescribeSSLPolicies is not valid for this web service.',
    );
  });
});
