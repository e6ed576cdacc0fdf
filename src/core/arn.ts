/** The parts of an Amazon Resource Name. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the account, e.g. `cluster/default` or `task/c/0123…`. */
  resource: string;
}

export function formatArn(a: Arn): string {
  return `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.resource}`;
}

/** Parses an ARN, or returns undefined when the text is not one. */
export function parseArn(text: string): Arn | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  if (!partition || !service) return undefined;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/** The account's root user, who holds the account's defaults (PutAccountSettingDefault's settings). */
export const rootPrincipal = (account: string) => `arn:aws:iam::${account}:root`;
