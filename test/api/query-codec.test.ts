import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { HttpResponse } from '@smithy/protocol-http';
import type { ApiService } from '../../src/api/protocol/api-service.ts';
import { awsQueryCodec } from '../../src/api/protocol/aws-query.ts';
import type { HttpRequest } from '../../src/api/protocol/http.ts';
import { InputValidator } from '../../src/api/protocol/input-validator.ts';
import { decodeQueryInput } from '../../src/api/protocol/query-input.ts';
import { queryErrorXml, queryResponseXml } from '../../src/api/protocol/query-output.ts';
import { loadServiceModel, type ServiceModel } from '../../src/api/protocol/service-model.ts';
import { ServiceError } from '../../src/core/service-error.ts';

const elbv2 = loadServiceModel('elbv2');

/**
 * The AWS SDK as the peer of the codec, without a server: the SDK's own Query serializer writes
 * the form the decoder reads, and the SDK's XML parser reads what the encoder writes.
 */
function sdkPeer(answer: (operation: string, form: URLSearchParams) => { status: number; body: string }) {
  const sent: { operation: string; form: URLSearchParams }[] = [];
  const client = new ElasticLoadBalancingV2Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      async handle(request: { body?: unknown }) {
        const form = new URLSearchParams(String(request.body));
        const operation = form.get('Action')!;
        sent.push({ operation, form });
        const { status, body } = answer(operation, form);
        return {
          response: new HttpResponse({
            statusCode: status,
            headers: { 'content-type': 'text/xml' },
            body: new TextEncoder().encode(body),
          }),
        };
      },
    },
  });
  return { client, sent };
}

function decodeSent(operation: string, form: URLSearchParams) {
  const decoded = decodeQueryInput(elbv2, elbv2.operations[operation]!.input!.shape, form);
  assert.ok(decoded.ok, JSON.stringify(decoded));
  return decoded.value;
}

describe('awsQuery input, as the AWS SDK writes it', () => {
  test('lists of strings and of structures, an empty list, and the SDK input read back whole', async () => {
    const input = {
      Name: 'web',
      Subnets: ['subnet-a', 'subnet-b'],
      SubnetMappings: [{ SubnetId: 'subnet-c', PrivateIPv4Address: '10.0.0.5' }],
      SecurityGroups: [],
      Scheme: 'internal' as const,
      Tags: [
        { Key: 'team', Value: 'a&b <c> "d" \'e\'' },
        { Key: 'emoji', Value: '🦊 ünï' },
        { Key: 'empty', Value: '' },
      ],
    };
    const { client, sent } = sdkPeer((op) => ({ status: 200, body: queryResponseXml(elbv2, op, 'r', {}) }));
    await client.send(new CreateLoadBalancerCommand(input));
    assert.equal(sent[0]!.form.get('Version'), '2015-12-01');
    assert.equal(sent[0]!.form.get('Subnets.member.2'), 'subnet-b', 'the SDK writes lists as .member.N');
    assert.equal(sent[0]!.form.get('SecurityGroups'), '', 'and an empty list as an empty value');
    assert.deepEqual(decodeSent('CreateLoadBalancer', sent[0]!.form), input);
  });

  test('nested structures, lists inside lists, integers and booleans', async () => {
    const input = {
      ListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/1/2',
      Priority: 10,
      Conditions: [
        { Field: 'path-pattern', Values: ['/api/*', '/v2/*'] },
        { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'a', Value: '1' }, { Value: '*x' }] } },
        { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } },
      ],
      Actions: [
        {
          Type: 'forward' as const,
          Order: 1,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: 'tg-1', Weight: 80 },
              { TargetGroupArn: 'tg-2', Weight: 0 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
          },
        },
      ],
    };
    const { client, sent } = sdkPeer((op) => ({ status: 200, body: queryResponseXml(elbv2, op, 'r', {}) }));
    await client.send(new CreateRuleCommand(input));
    assert.equal(sent[0]!.form.get('Conditions.member.2.QueryStringConfig.Values.member.2.Value'), '*x');
    assert.deepEqual(decodeSent('CreateRule', sent[0]!.form), input);
  });

  test('Key/Value lists, as the attribute operations send them', async () => {
    const input = {
      LoadBalancerArn: 'arn:lb',
      Attributes: [
        { Key: 'idle_timeout.timeout_seconds', Value: '120' },
        { Key: 'deletion_protection.enabled', Value: 'true' },
      ],
    };
    const { client, sent } = sdkPeer((op) => ({
      status: 200,
      body: queryResponseXml(elbv2, op, 'r', { Attributes: input.Attributes }),
    }));
    const out = await client.send(new ModifyLoadBalancerAttributesCommand(input));
    assert.deepEqual(decodeSent('ModifyLoadBalancerAttributes', sent[0]!.form), input);
    assert.deepEqual(out.Attributes, input.Attributes);
  });
});

describe('awsQuery output, as the AWS SDK reads it', () => {
  test('a load balancer: timestamps, nested lists, empty lists and a marker', async () => {
    const createdSeconds = 1_700_000_000.123;
    const lb = {
      LoadBalancerArn:
        'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/0123456789abcdef',
      DNSName: 'web-1234567890.us-east-1.elb.amazonaws.com',
      CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      CreatedTime: createdSeconds,
      LoadBalancerName: 'web',
      Scheme: 'internet-facing',
      VpcId: 'vpc-1',
      State: { Code: 'provisioning' },
      Type: 'application',
      AvailabilityZones: [
        { ZoneName: 'us-east-1a', SubnetId: 'subnet-a', LoadBalancerAddresses: [] },
        { ZoneName: 'us-east-1b', SubnetId: 'subnet-b' },
      ],
      SecurityGroups: ['sg-1'],
      IpAddressType: 'ipv4',
    };
    const xml = queryResponseXml(elbv2, 'DescribeLoadBalancers', 'req-7', {
      LoadBalancers: [lb],
      NextMarker: 'm&1',
    });
    assert.match(
      xml,
      /^<DescribeLoadBalancersResponse xmlns="http:\/\/elasticloadbalancing.amazonaws.com\/doc\/2015-12-01\/">/,
    );
    assert.match(xml, /<DescribeLoadBalancersResult><LoadBalancers><member><LoadBalancerArn>/);
    assert.match(xml, /<CreatedTime>2023-11-14T22:13:20.123Z<\/CreatedTime>/, 'ISO-8601 with milliseconds');
    assert.match(xml, /<LoadBalancerAddresses\/>/);
    assert.match(
      xml,
      /<ResponseMetadata><RequestId>req-7<\/RequestId><\/ResponseMetadata><\/DescribeLoadBalancersResponse>$/,
    );
    const { client } = sdkPeer(() => ({ status: 200, body: xml }));
    const out = await client.send(new DescribeLoadBalancersCommand({}));
    assert.equal(out.NextMarker, 'm&1');
    assert.equal(
      out.$metadata.requestId,
      undefined,
      'the request id travels in a header the peer did not send',
    );
    const got = out.LoadBalancers![0]!;
    assert.deepEqual(got.CreatedTime, new Date(createdSeconds * 1000));
    assert.deepEqual(got.AvailabilityZones, [
      { ZoneName: 'us-east-1a', SubnetId: 'subnet-a', LoadBalancerAddresses: [] },
      { ZoneName: 'us-east-1b', SubnetId: 'subnet-b' },
    ]);
    assert.deepEqual(got.State, { Code: 'provisioning' });
    assert.deepEqual(got.SecurityGroups, ['sg-1']);
  });

  test('target health: structures inside list members, and text XML must escape', async () => {
    const xml = queryResponseXml(elbv2, 'DescribeTargetHealth', 'r', {
      TargetHealthDescriptions: [
        {
          Target: { Id: '10.0.0.1', Port: 80 },
          HealthCheckPort: '80',
          TargetHealth: {
            State: 'unhealthy',
            Reason: 'Target.ResponseCodeMismatch',
            Description: 'Health checks failed with these codes: [503] <&>\r\nnext',
          },
        },
      ],
    });
    const { client } = sdkPeer(() => ({ status: 200, body: xml }));
    const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg' }));
    assert.deepEqual(out.TargetHealthDescriptions, [
      {
        Target: { Id: '10.0.0.1', Port: 80 },
        HealthCheckPort: '80',
        TargetHealth: {
          State: 'unhealthy',
          Reason: 'Target.ResponseCodeMismatch',
          Description: 'Health checks failed with these codes: [503] <&>\r\nnext',
        },
      },
    ]);
  });

  test('an error document becomes the modelled exception, with its code and message', async () => {
    const body = queryErrorXml(elbv2.metadata.xmlNamespace, 'req-9', {
      type: 'Sender',
      code: 'LoadBalancerNotFound',
      message: "Load balancers '[web]' not found",
    });
    assert.equal(
      body,
      '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type>' +
        "<Code>LoadBalancerNotFound</Code><Message>Load balancers '[web]' not found</Message></Error>" +
        '<RequestId>req-9</RequestId></ErrorResponse>',
    );
    const { client } = sdkPeer(() => ({ status: 400, body }));
    const err = await client
      .send(new DescribeLoadBalancersCommand({ Names: ['web'] }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof LoadBalancerNotFoundException);
    assert.equal(err.name, 'LoadBalancerNotFoundException');
    assert.equal(err.message, "Load balancers '[web]' not found");
    assert.equal(err.$metadata.httpStatusCode, 400);
  });
});

/** A model with what ELBv2 does not use and CloudWatch or others do: flattened members, maps, locationName, timestamps. */
const synthetic: ServiceModel = {
  metadata: { apiVersion: '2020-01-01', endpointPrefix: 'x', protocol: 'query', xmlNamespace: 'urn:x' },
  operations: {
    Put: { name: 'Put', input: { shape: 'In' }, output: { shape: 'In', resultWrapper: 'PutResult' } },
  },
  shapes: {
    In: {
      type: 'structure',
      members: {
        Flat: { shape: 'FlatList' },
        Named: { shape: 'NamedFlatList' },
        Attrs: { shape: 'Attrs' },
        FlatAttrs: { shape: 'FlatAttrs' },
        Renamed: { shape: 'Str', locationName: 'wireName' },
        When: { shape: 'Time' },
        Ratio: { shape: 'Double' },
        Big: { shape: 'Long' },
        Grid: { shape: 'Grid' },
        On: { shape: 'Bool' },
      },
    },
    FlatList: { type: 'list', member: { shape: 'Str' }, flattened: true },
    NamedFlatList: { type: 'list', member: { shape: 'Str', locationName: 'Item' }, flattened: true },
    Attrs: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
    FlatAttrs: {
      type: 'map',
      key: { shape: 'Str', locationName: 'Name' },
      value: { shape: 'Str', locationName: 'Val' },
      flattened: true,
    },
    Grid: { type: 'list', member: { shape: 'Row' } },
    Row: { type: 'list', member: { shape: 'Str' } },
    Str: { type: 'string' },
    Time: { type: 'timestamp' },
    Double: { type: 'double' },
    Long: { type: 'long' },
    Bool: { type: 'boolean' },
  },
};

const decodeSynthetic = (form: string) => decodeQueryInput(synthetic, 'In', new URLSearchParams(form));

describe('awsQuery, the parts ELBv2 does not use', () => {
  test('flattened lists and maps, maps with entries, locationName, lists of lists', () => {
    const got = decodeSynthetic(
      [
        'Flat.2=b',
        'Flat.1=a',
        'Item.1=x',
        'Attrs.entry.1.key=k1',
        'Attrs.entry.1.value=v1',
        'Attrs.entry.2.key=k2',
        'Attrs.entry.2.value=v2',
        'FlatAttrs.1.Name=n',
        'FlatAttrs.1.Val=w',
        'wireName=renamed',
        'Renamed=ignored',
        'Grid.member.1.member.1=r1c1',
        'Grid.member.1.member.2=r1c2',
        'Grid.member.2=',
        'Unknown.member.1=dropped',
      ].join('&'),
    );
    assert.deepEqual(got, {
      ok: true,
      value: {
        Flat: ['a', 'b'],
        Named: ['x'],
        Attrs: { k1: 'v1', k2: 'v2' },
        FlatAttrs: { n: 'w' },
        Renamed: 'renamed',
        Grid: [['r1c1', 'r1c2'], []],
      },
    });
  });

  test('items are read in the order of their numbers, 10 after 9', () => {
    const form = Array.from({ length: 12 }, (_, i) => `Flat.${12 - i}=${12 - i}`).join('&');
    const got = decodeSynthetic(form);
    assert.ok(got.ok);
    assert.deepEqual(got.value.Flat, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  });

  test('scalars as their shapes type them: timestamps ISO-8601 or epoch, doubles, longs, booleans', () => {
    assert.deepEqual(
      decodeSynthetic('When=2024-01-02T03:04:05.500Z&Ratio=0.25&Big=9007199254740991&On=TRUE'),
      {
        ok: true,
        value: { When: 1_704_164_645.5, Ratio: 0.25, Big: 9_007_199_254_740_991, On: true },
      },
    );
    assert.deepEqual(decodeSynthetic('When=1704164645'), { ok: true, value: { When: 1_704_164_645 } });
  });

  test('a value that is not its type is a problem at its path, quoted as sent', () => {
    const cases: [string, string, string][] = [
      ['Big=12x', 'Big', 'Member must be a long'],
      ['Big=9007199254740993', 'Big', 'Member must be a long'],
      ['Ratio=', 'Ratio', 'Member must be a number'],
      ['On=yes', 'On', 'Member must be a boolean'],
      ['When=tomorrow', 'When', 'Member must be a timestamp'],
    ];
    for (const [form, path, message] of cases) {
      const got = decodeSynthetic(form);
      assert.ok(!got.ok, form);
      assert.equal(got.problem.kind, 'type');
      assert.equal(got.problem.path, path, form);
      assert.equal(got.problem.message, message, form);
      assert.equal(got.problem.value, form.split('=')[1]);
    }
    const nested = decodeQueryInput(
      elbv2,
      'CreateTargetGroupInput',
      new URLSearchParams('Name=a&Port=80&Tags.member.1.Key=k&HealthCheckIntervalSeconds=2147483648'),
    );
    assert.ok(!nested.ok);
    assert.equal(
      nested.problem.path,
      'HealthCheckIntervalSeconds',
      'an integer past 32 bits is not an integer',
    );
  });

  test('the encoder writes flattened members, map entries and locationName as the decoder reads them', () => {
    const xml = queryResponseXml(synthetic, 'Put', 'r', {
      Flat: ['a', 'b'],
      Named: ['x'],
      Attrs: { k1: 'v1' },
      FlatAttrs: { n: 'w' },
      Renamed: 'renamed',
      When: 1_704_164_645.5,
      Grid: [['c'], []],
      On: false,
    });
    assert.equal(
      xml,
      '<PutResponse xmlns="urn:x"><PutResult>' +
        '<Flat>a</Flat><Flat>b</Flat><Item>x</Item>' +
        '<Attrs><entry><key>k1</key><value>v1</value></entry></Attrs>' +
        '<FlatAttrs><Name>n</Name><Val>w</Val></FlatAttrs>' +
        '<wireName>renamed</wireName><When>2024-01-02T03:04:05.500Z</When>' +
        '<Grid><member><member>c</member></member><member/></Grid><On>false</On>' +
        '</PutResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutResponse>',
    );
  });

  test('characters XML 1.0 cannot carry are replaced, not sent raw', () => {
    const xml = queryResponseXml(synthetic, 'Put', 'r', { Renamed: 'a\u0000b\u001fc\ud800d' });
    assert.match(xml, /<wireName>a\ufffdb\ufffdc\ufffdd<\/wireName>/);
  });
});

describe('the awsQuery codec at the gateway edge', () => {
  const service: ApiService = {
    protocol: 'awsQuery',
    signingName: 'elasticloadbalancing',
    validator: new InputValidator(elbv2),
    operations: {},
    inputError: (_op, p) => new ServiceError('ValidationError', `${p.path}: ${p.message}`),
    serverError: () => new ServiceError('InternalFailure', 'x', { status: 500, fault: 'server' }),
  };
  const signed = (service: string) =>
    `AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;
  const request = (over: Partial<HttpRequest>): HttpRequest => ({
    method: 'POST',
    path: '/',
    rawQuery: '',
    query: new URLSearchParams(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: signed('elasticloadbalancing'),
    },
    body: Buffer.from('Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=5'),
    remoteAddress: '127.0.0.1',
    ...over,
  });

  test('the service is the one the request is signed for; GET carries the form in its query', () => {
    assert.deepEqual(awsQueryCodec.route(request({}), [service]), {
      service,
      operation: 'DescribeLoadBalancers',
    });
    assert.equal(
      awsQueryCodec.route(request({ headers: { ...request({}).headers, authorization: signed('sts') } }), [
        service,
      ]),
      undefined,
    );
    const get = request({
      method: 'GET',
      headers: { authorization: signed('elasticloadbalancing') },
      body: Buffer.alloc(0),
      query: new URLSearchParams('Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=7'),
    });
    const routed = awsQueryCodec.route(get, [service])!;
    assert.equal(routed.operation, 'DescribeLoadBalancers');
    assert.deepEqual(awsQueryCodec.decode(get, routed), { PageSize: 7 });
    assert.equal(
      awsQueryCodec.route(request({ headers: { authorization: signed('elasticloadbalancing') } }), [service]),
      undefined,
      'a POST that is not a form is not Query',
    );
  });

  test('requests in Query form that no served service takes get Query errors', () => {
    assert.equal(
      awsQueryCodec.unrouted!(request({ headers: { 'content-type': 'application/x-amz-json-1.1' } })),
      undefined,
    );
    assert.equal(
      awsQueryCodec.unrouted!(request({ headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
        ?.code,
      'MissingAuthenticationToken',
    );
    const err = awsQueryCodec.unrouted!(
      request({ headers: { ...request({}).headers, authorization: signed('monitoring') } }),
    )!;
    assert.equal(err.code, 'InvalidAction');
    assert.equal(err.message, 'The action DescribeLoadBalancers is not valid for this web service.');
  });

  test('front-door errors are answered in Query words and statuses, as XML', () => {
    const routed = { service, operation: 'FlyAway' };
    const cases: [string, string, number][] = [
      ['UnknownOperationException', 'InvalidAction', 400],
      ['InvalidSignatureException', 'SignatureDoesNotMatch', 403],
      ['UnrecognizedClientException', 'InvalidClientTokenId', 403],
      ['MissingAuthenticationTokenException', 'MissingAuthenticationToken', 403],
      ['IncompleteSignatureException', 'IncompleteSignature', 400],
      ['RequestEntityTooLargeException', 'RequestEntityTooLarge', 413],
    ];
    for (const [json, query, status] of cases) {
      const res = awsQueryCodec.encodeError(routed, 'id-1', new ServiceError(json, 'why'));
      assert.equal(res.status, status, json);
      assert.equal(res.headers['content-type'], 'text/xml');
      assert.match(String(res.body), new RegExp(`<Code>${query}</Code>`), json);
    }
    const unknown = awsQueryCodec.encodeError(
      routed,
      'id-1',
      new ServiceError('UnknownOperationException', ''),
    );
    assert.match(
      String(unknown.body),
      /<Message>The action FlyAway is not valid for this web service.<\/Message>/,
    );
    const missing = awsQueryCodec.encodeError(
      { service, operation: '' },
      'id-1',
      new ServiceError('UnknownOperationException', ''),
    );
    assert.match(String(missing.body), /<Code>MissingAction<\/Code>/);
    const server = awsQueryCodec.encodeError(routed, 'id-1', service.serverError());
    assert.equal(server.status, 500);
    assert.match(String(server.body), /<Type>Receiver<\/Type>/);
  });

  test('a Version the service does not have is refused; a value of the wrong type becomes the service input error', () => {
    const routed = { service, operation: 'DescribeLoadBalancers' };
    assert.throws(
      () =>
        awsQueryCodec.decode(
          request({ body: Buffer.from('Action=DescribeLoadBalancers&Version=2012-06-01') }),
          routed,
        ),
      {
        code: 'InvalidAction',
        message: 'Could not find operation DescribeLoadBalancers for version 2012-06-01',
      },
    );
    assert.throws(
      () =>
        awsQueryCodec.decode(
          request({ body: Buffer.from('Action=DescribeLoadBalancers&PageSize=many') }),
          routed,
        ),
      { code: 'ValidationError', message: 'PageSize: Member must be an integer' },
    );
  });
});
