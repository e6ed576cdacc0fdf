import { readFile, writeFile } from 'node:fs/promises';

const FILE = new URL('./RESULTS.md', import.meta.url);

/** A table as Markdown. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Prints a table and records it in bench/RESULTS.md under `title`, replacing the last run of the same benchmark. */
export async function record(title: string, command: string, body: string): Promise<void> {
  process.stdout.write(`\n${body}\n`);
  const section = `## ${title}\n\nCommand: \`${command}\`\n\nRun ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on this machine (${(await machine()).trim()}).\n\n${body}\n`;
  const current = await readFile(FILE, 'utf8').catch(
    () =>
      '# Benchmark results\n\nEach section is the last run of one benchmark under bench/, with the command that produced it.\n',
  );
  const start = current.indexOf(`## ${title}\n`);
  if (start < 0) {
    await writeFile(FILE, `${current.trimEnd()}\n\n${section}`);
    return;
  }
  const next = current.indexOf('\n## ', start + 1);
  await writeFile(FILE, `${current.slice(0, start)}${section}${next < 0 ? '' : current.slice(next + 1)}`);
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
