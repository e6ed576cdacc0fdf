import type { ValueCipher } from '../store/value-cipher.ts';
import type { Operation, OperationContext } from './operation.ts';

/** A request as the operations of services that keep values encrypted at rest see it. */
export interface CipherContext extends OperationContext {
  readonly cipher: ValueCipher;
}

// biome-ignore lint/suspicious/noExplicitAny: each operation narrows its own input and output.
export type CipherOperation = (ctx: CipherContext, input: any) => Promise<object>;

/** Binds the data dir's cipher into a service's operations, so the gateway can run them as any other. */
export function withCipher(
  operations: Readonly<Record<string, CipherOperation>>,
  cipher: ValueCipher,
): Record<string, Operation> {
  return Object.fromEntries(
    Object.entries(operations).map(([name, op]): [string, Operation] => [
      name,
      (ctx, input) => op({ ...ctx, cipher }, input),
    ]),
  );
}
