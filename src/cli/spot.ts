import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { resolveConfig } from '../config.ts';
import { callAdmin } from './admin-client.ts';

/** `neargate spot interrupt`: Fargate Spot interruptions, on demand or at a rate. */
export function spotCommands(program: Command): void {
  program
    .command('spot')
    .description('Fargate Spot capacity')
    .command('interrupt')
    .description(
      'interrupt FARGATE_SPOT tasks as Fargate reclaims capacity: SIGTERM at once, SIGKILL after stopTimeout, stopCode SpotInterruption',
    )
    .option('--task <arn...>', 'these tasks (ARNs or ids)')
    .option('--count <n>', 'this many running Spot tasks, chosen at random')
    .option(
      '--rate-per-hour <r>',
      'from now on, interrupt tasks at random at this rate (0 stops; env NEARGATE_SPOT_INTERRUPTIONS_PER_HOUR at start)',
    )
    .option('--data-dir <dir>', 'the data dir of the running neargate (env NEARGATE_DATA_DIR)')
    .action(async (flags: { task?: string[]; count?: string; ratePerHour?: string; dataDir?: string }) => {
      const dataDir = resolveConfig({ dataDir: flags.dataDir }).dataDir;
      if (!flags.task && flags.count === undefined && flags.ratePerHour === undefined) {
        throw new Error('say which tasks: --task, --count or --rate-per-hour');
      }
      const body = JSON.stringify({
        ...(flags.task && { tasks: flags.task }),
        ...(flags.count !== undefined && { count: Number(flags.count) }),
        ...(flags.ratePerHour !== undefined && { ratePerHour: Number(flags.ratePerHour) }),
      });
      const res = await callAdmin(dataDir, 'POST', '/spot/interrupt', Readable.from([body]));
      if (!res) throw new Error(`no neargate is running with data dir ${dataDir}`);
      if (res.status !== 200) throw new Error((res.body as { error: string }).error);
      const out = res.body as { interrupted: string[]; ratePerHour: number };
      for (const arn of out.interrupted) process.stdout.write(`Interrupted: ${arn}\n`);
      if (flags.ratePerHour !== undefined)
        process.stdout.write(`Rate: ${out.ratePerHour} interruptions per hour\n`);
    });
}
