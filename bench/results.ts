import { readFile, writeFile } from 'node:fs/promises';

const FILE = new URL('./RESULTS.md', import.meta.url);

/** A table as Markdown. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Prints a table and records it in bench/RESULTS.md under `title`, replacing the last run of the
 * same benchmark; with `keepRuns`, the section keeps that many runs, newest first, each with its
 * command and time (benchmarks on a shared machine are run more than once).
 */
export async function record(
  title: string,
  command: string,
  body: string,
  { keepRuns = 1 }: { keepRuns?: number } = {},
): Promise<void> {
  process.stdout.write(`\n${body}\n`);
  const run = `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on this machine (${(await machine()).trim()}).`;
  const current = await readFile(FILE, 'utf8').catch(
    () =>
      '# Benchmark results\n\nEach section is the last run of one benchmark under bench/, with the command that produced it.\n',
  );
  const start = current.indexOf(`## ${title}\n`);
  const next = start < 0 ? -1 : current.indexOf('\n## ', start + 1);
  const old = start < 0 ? '' : current.slice(start, next < 0 ? undefined : next + 1);
  const section =
    keepRuns <= 1
      ? `## ${title}\n\nCommand: \`${command}\`\n\n${run}\n\n${body}\n`
      : [
          `## ${title}\n\nThe last runs, newest first.\n\n### ${run}\n\nCommand: \`${command}\`\n\n${body}\n`,
          ...old
            .split('\n### Run ')
            .slice(1, keepRuns)
            .map((r) => `### Run ${r.trimEnd()}\n`),
        ].join('\n');
  if (start < 0) {
    await writeFile(FILE, `${current.trimEnd()}\n\n${section}`);
    return;
  }
  await writeFile(
    FILE,
    `${current.slice(0, start)}${section}${next < 0 ? '' : `\n${current.slice(next + 1)}`}`,
  );
}

async function machine(): Promise<string> {
  const { cpus, totalmem } = await import('node:os');
  return `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
