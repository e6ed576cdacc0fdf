import type { RunCommand } from './run-command.ts';
import { runCommand } from './run-command.ts';

/** The slice of nftables neargate uses: scripts through `nft -f -` (one atomic transaction) and JSON listings. */
export class Nft {
  readonly #run: RunCommand;
  readonly #binary: string;

  constructor(options: { run?: RunCommand /** @default 'nft' */; binary?: string } = {}) {
    this.#run = options.run ?? runCommand;
    this.#binary = options.binary ?? 'nft';
  }

  /** Applies a script atomically: either every line takes effect or none does. */
  async apply(script: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (script.trim() === '') return;
    await this.#run(this.#binary, ['-f', '-'], {
      input: script,
      ...(options.signal && { signal: options.signal }),
    });
  }

  /** Runs `nft -j <args>` and returns the `nftables` array of the output. */
  async json(args: readonly string[], options: { signal?: AbortSignal } = {}): Promise<unknown[]> {
    const stdout = await this.#run(
      this.#binary,
      ['-j', ...args],
      options.signal ? { signal: options.signal } : {},
    );
    const parsed: unknown = JSON.parse(stdout);
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !Array.isArray((parsed as { nftables?: unknown }).nftables)
    ) {
      throw new TypeError(`Unexpected nft JSON output: ${stdout.slice(0, 200)}`);
    }
    return (parsed as { nftables: unknown[] }).nftables;
  }
}
