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

/** Polls `get` until `done` holds of what it returns, failing after `timeoutMs` with `what`. */
export async function eventually<T>(
  what: string,
  get: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
