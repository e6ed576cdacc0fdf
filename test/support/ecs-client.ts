import { ECSClient } from '@aws-sdk/client-ecs';
import type { TestNeargate } from './neargate.ts';

/** The AWS SDK's ECS client pointed at a test server. */
export function ecsClient(
  ng: TestNeargate,
  overrides: { region?: string; secretAccessKey?: string } = {},
): ECSClient {
  return new ECSClient({
    endpoint: ng.url,
    region: overrides.region ?? ng.region,
    credentials: {
      accessKeyId: ng.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? ng.secretAccessKey,
    },
    maxAttempts: 1,
  });
}
