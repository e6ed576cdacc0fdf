import type { RunCommand } from './run-command.ts';
import { runCommand } from './run-command.ts';

export interface IpCallOptions {
  /** Run inside this named network namespace (`ip -n`), which must exist. */
  readonly netns?: string;
  /** Keep going after a failed line (`ip -force`); the call still rejects if any line failed. */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The slice of iproute2 neargate uses: one `ip -batch -` process per operation, since each process
 * costs about 2 ms to start, and `ip -j` for queries.
 */
export class Ip {
  readonly #run: RunCommand;
  readonly #binary: string;

  constructor(options: { run?: RunCommand /** @default 'ip' */; binary?: string } = {}) {
    this.#run = options.run ?? runCommand;
    this.#binary = options.binary ?? 'ip';
  }

  /** Runs the lines in order in one process; stops at the first failure unless `force`. */
  async batch(lines: readonly string[], options: IpCallOptions = {}): Promise<void> {
    if (lines.length === 0) return;
    for (const line of lines) {
      if (line.includes('\n')) throw new TypeError(`An ip batch line holds a newline: '${line}'`);
    }
    const args = [...this.#netnsArgs(options), ...(options.force ? ['-force'] : []), '-batch', '-'];
    await this.#run(this.#binary, args, { input: `${lines.join('\n')}\n`, ...signalOf(options) });
  }

  /** Runs `ip -j <args>` and returns the parsed JSON; callers check its shape. */
  async json(args: readonly string[], options: IpCallOptions = {}): Promise<unknown> {
    const stdout = await this.#run(
      this.#binary,
      [...this.#netnsArgs(options), '-j', ...args],
      signalOf(options),
    );
    // `ip -j` prints nothing at all, not [], when a filter matches nothing.
    return stdout.trim() === '' ? [] : JSON.parse(stdout);
  }

  #netnsArgs(options: IpCallOptions): string[] {
    return options.netns === undefined ? [] : ['-n', options.netns];
  }
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
