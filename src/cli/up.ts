import { resolveConfig } from '../config.ts';
import { startNeargate } from '../main.ts';

interface UpFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  region?: string;
  accountId?: string;
  insecureAcceptAnyCredentials?: boolean;
  logLevel?: string;
}

/** `neargate up`: runs in the foreground until SIGINT or SIGTERM. */
export async function upCommand(flags: UpFlags): Promise<void> {
  let config: ReturnType<typeof resolveConfig>;
  try {
    config = resolveConfig({
      ...flags,
      insecureAcceptAnyCredentials: flags.insecureAcceptAnyCredentials === true,
    });
  } catch (err) {
    process.stderr.write(`neargate: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const ng = await startNeargate(config);
  const key = ng.createdRootKey;
  if (key) {
    process.stdout.write(
      `
neargate created the root access key of account ${config.accountId}. It is shown only this once:

  export AWS_ACCESS_KEY_ID=${key.id}
  export AWS_SECRET_ACCESS_KEY=${key.secret}
  export AWS_DEFAULT_REGION=${config.region}
  aws --endpoint-url ${ng.url} ecs list-clusters

`,
    );
  }
  process.stdout.write(`neargate is serving ${ng.url} (data in ${config.dataDir})\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`neargate: ${signal}, stopping\n`);
    await ng.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
