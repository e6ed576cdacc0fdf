import type { LogGroup, LogStream } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn, logGroupArnWildcard, logStreamArn } from '../../core/logs/log-group-arn.ts';
import type { Scope } from '../../core/scope.ts';
import type { LogGroupRecord } from '../../store/log-groups.ts';
import type { LogStreamRecord } from '../../store/log-streams.ts';

/** A group as DescribeLogGroups reports it. */
export function logGroupView(g: LogGroupRecord): LogGroup {
  const scope: Scope = { account: g.account, region: g.region };
  return {
    logGroupName: g.name,
    creationTime: g.createdAt,
    ...(g.retentionDays !== undefined && { retentionInDays: g.retentionDays }),
    metricFilterCount: 0,
    arn: logGroupArnWildcard(scope, g.name),
    storedBytes: g.storedBytes,
    ...(g.kmsKeyId !== undefined && { kmsKeyId: g.kmsKeyId }),
    logGroupClass: g.logGroupClass as LogGroup['logGroupClass'],
    logGroupArn: logGroupArn(scope, g.name),
    ...(g.deletionProtection && { deletionProtectionEnabled: true }),
  };
}

/** A stream as DescribeLogStreams reports it; storedBytes is always 0, as AWS reports it since 2019. */
export function logStreamView(scope: Scope, group: string, s: LogStreamRecord): LogStream {
  return {
    logStreamName: s.name,
    creationTime: s.createdAt,
    ...(s.firstEventAt !== undefined && { firstEventTimestamp: s.firstEventAt }),
    ...(s.lastEventAt !== undefined && { lastEventTimestamp: s.lastEventAt }),
    ...(s.lastIngestionAt !== undefined && { lastIngestionTime: s.lastIngestionAt }),
    uploadSequenceToken: sequenceToken(s),
    arn: logStreamArn(scope, group, s.name),
    storedBytes: 0,
  };
}

/**
 * The deprecated sequence token AWS still reports (and ignores): 56 digits that change with each
 * ingestion, for clients that still pass it back.
 */
export const sequenceToken = (s: Pick<LogStreamRecord, 'id' | 'lastIngestionAt'>): string =>
  `${String(s.id).padStart(20, '0')}${String(s.lastIngestionAt ?? 0).padStart(36, '0')}`;
