/** The retention periods CloudWatch Logs accepts, in days (the model's `Days` documentation). */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const isRetentionDays = (days: number): boolean =>
  (RETENTION_DAYS as readonly number[]).includes(days);

export const DAY_MS = 86_400_000;

/** Events older than this (epoch ms) have expired under a retention of `days` at `now`. */
export const expiryCutoff = (now: number, days: number): number => now - days * DAY_MS;
