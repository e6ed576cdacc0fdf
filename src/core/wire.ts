/**
 * A model type as it travels in awsJson: the AWS SDK's types use `Date` for timestamps and
 * `Uint8Array` for blobs, the wire carries epoch seconds and base64 text.
 */
export type Wire<T> = T extends Date
  ? number
  : T extends Uint8Array
    ? string
    : T extends readonly (infer E)[]
      ? Wire<E>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** Epoch milliseconds as an awsJson timestamp (epoch seconds). */
export const epochSeconds = (ms: number): number => ms / 1000;
