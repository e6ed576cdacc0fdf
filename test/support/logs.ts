import {
  type CloudWatchLogsClient,
  GetLogEventsCommand,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';

/** Every event of a stream, oldest first, read forward until the token comes back unchanged. */
export async function allEvents(
  logs: CloudWatchLogsClient,
  group: string,
  stream: string,
): Promise<OutputLogEvent[]> {
  const out: OutputLogEvent[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        startFromHead: true,
        nextToken: token,
      }),
    );
    out.push(...(page.events ?? []));
    if (page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}
