import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { TestNeargate } from './neargate.ts';

const options = (ng: TestNeargate, region?: string) => ({
  endpoint: ng.url,
  region: region ?? ng.region,
  credentials: { accessKeyId: ng.accessKeyId, secretAccessKey: ng.secretAccessKey },
  maxAttempts: 1,
});

/** The AWS SDK's Secrets Manager client pointed at a test server. */
export const secretsClient = (ng: TestNeargate, region?: string) =>
  new SecretsManagerClient(options(ng, region));

/** The AWS SDK's SSM client pointed at a test server. */
export const ssmClient = (ng: TestNeargate, region?: string) => new SSMClient(options(ng, region));

/** The AWS SDK's CloudWatch Logs client pointed at a test server. */
export const logsClient = (ng: TestNeargate, region?: string) =>
  new CloudWatchLogsClient(options(ng, region));

/** The AWS SDK's ELBv2 client (awsQuery) pointed at a test server. */
export const elbv2Client = (ng: TestNeargate, region?: string) =>
  new ElasticLoadBalancingV2Client(options(ng, region));
