import { Command, Option } from 'commander';
import { imageCommands } from './image.ts';
import { spotCommands } from './spot.ts';
import { upCommand } from './up.ts';

const program = new Command('neargate')
  .description('Fargate on your own machines: a container engine that speaks the Amazon ECS API.')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nEach command documents its own flags: neargate <command> --help (environment: neargate up --help).',
  );

program
  .command('up')
  .description('start neargate in the foreground and serve the AWS APIs (stops on SIGINT or SIGTERM)')
  .option('--host <address>', 'address to listen on (default: 127.0.0.1; env NEARGATE_HOST)')
  .option('--port <port>', 'port to listen on (default: 4566; env NEARGATE_PORT)')
  .option(
    '--data-dir <dir>',
    'where neargate keeps its state (default: /var/lib/neargate as root, else ~/.local/share/neargate; env NEARGATE_DATA_DIR)',
  )
  .option(
    '--database-url <url>',
    'keep state in PostgreSQL instead of SQLite in the data dir (env NEARGATE_DATABASE_URL)',
  )
  .option(
    '--region <region>',
    'the region printed in the AWS CLI line; requests pick theirs (default: us-east-1; env NEARGATE_REGION)',
  )
  .option(
    '--account-id <id>',
    'the account id of the root user (default: 000000000000; env NEARGATE_ACCOUNT_ID)',
  )
  .option('--insecure-accept-any-credentials', 'accept any well-formed SigV4 signature (development only)')
  .addOption(
    new Option('--log-level <level>', 'log level (default: info; env NEARGATE_LOG_LEVEL)').choices([
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
  )
  .addHelpText(
    'after',
    `
Environment:
  NEARGATE_ACCESS_KEY_ID, NEARGATE_SECRET_ACCESS_KEY   use this root key pair instead of a generated one
  NEARGATE_CPU_OVERCOMMIT              how many times the host's cpus tasks may reserve (default: 4)
  NEARGATE_MEMORY_OVERCOMMIT           how many times the host's memory tasks may reserve (default: 1)
  NEARGATE_DEFAULT_VPC_CIDRS           comma-separated CIDRs for default VPCs (default: 172.31.0.0/16, 172.30.0.0/16, ...)
  NEARGATE_HOST_PREFIX                 prefix of the bridges, veths and netns neargate makes (default: ng)
  NEARGATE_CGROUP_PARENT               the cgroup tasks live under (default: /neargate)
  NEARGATE_SPOT_INTERRUPTIONS_PER_HOUR interrupt FARGATE_SPOT tasks at random at this rate (default: 0)
  NEARGATE_TASK_HEALTHY_AFTER_MS       a service task without health checks is healthy after this long RUNNING (default: 40000, as ECS)
  NEARGATE_SERVICE_THROTTLE_BASE_MS    first wait before replacing tasks that keep failing to start (default: 30000)
  NEARGATE_LB_ADDRESS_BLOCK            the loopback block load balancers take their addresses from (default: 127.100.0.0/16)
  NEARGATE_LB_DATA_PLANE               on: run load balancers (listeners, names in /etc/hosts, the tasks' DNS server); off: they stay provisioning (default: on)
  NEARGATE_TASK_DNS_UPSTREAMS          comma-separated ip[:port] the tasks' DNS server forwards other names to (default: the host's /etc/resolv.conf)
  NEARGATE_UNSHIPPED_LOG_MAX_MIB       the most kept on the host of a container log without awslogs (default: 10)
  NEARGATE_IMAGE_PULL_BEHAVIOR         prefer-cached, default (pull remote tags at each start, fall back to the host's image) or always (default: prefer-cached)
  NEARGATE_INSECURE_REGISTRIES         comma-separated host[:port] of registries pulled from over plain HTTP (loopback ones always are)
  NEARGATE_REGISTRY_AUTH               the challenge the registry answers clients without credentials with: basic or bearer (default: basic)`,
  )
  .action(upCommand);

imageCommands(program);
spotCommands(program);

await program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`neargate: ${(err as Error).message}\n`);
  process.exit(1);
});
