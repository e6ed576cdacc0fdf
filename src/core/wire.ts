/**
 * A model type as it travels in awsJson: the AWS SDK's types use `Date` for timestamps,
 * the wire carries epoch seconds.
 */
export type Wire<T> = T extends Date
  ? number
  : T extends readonly (infer E)[]
    ? Wire<E>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** Epoch milliseconds as an awsJson timestamp (epoch seconds). */
export const epochSeconds = (ms: number): number => ms / 1000;
