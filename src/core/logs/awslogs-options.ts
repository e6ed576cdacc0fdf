import { strftimeToRegexSource } from './strftime-pattern.ts';

/** A container's awslogs log configuration, resolved once. */
export interface AwslogsConfig {
  group: string;
  /** Where the group lives; the task's region when not given. */
  region: string | undefined;
  streamPrefix: string | undefined;
  createGroup: boolean;
  /** A line matching it starts a new event; the lines after it that do not are joined to it. */
  multiline: RegExp | undefined;
  mode: 'blocking' | 'non-blocking' | undefined;
  /** Non-blocking mode's buffer. @default 10 MiB, as ECS documents */
  maxBufferBytes: number;
}

/** Why the options cannot work, in the words of the driver's validation; surfaced as ECS's `failed to validate logger args`. */
export class AwslogsOptionsError extends Error {
  override readonly name = 'AwslogsOptionsError';
}

export const DEFAULT_MAX_BUFFER_BYTES = 10 * 1024 * 1024;

/** Reads the options ECS passes the awslogs driver (`awslogs-group`, `awslogs-stream-prefix`, `mode`, ...). */
export function awslogsConfig(options: Readonly<Record<string, string>>): AwslogsConfig {
  const group = options['awslogs-group'];
  if (!group) throw new AwslogsOptionsError('awslogs-group is required');
  const datetime = options['awslogs-datetime-format'];
  const pattern = options['awslogs-multiline-pattern'];
  if (datetime && pattern) {
    throw new AwslogsOptionsError(
      "you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time",
    );
  }
  const source = datetime ? strftimeToRegexSource(datetime) : pattern;
  let multiline: RegExp | undefined;
  if (source) {
    try {
      multiline = new RegExp(source);
    } catch {
      throw new AwslogsOptionsError(`awslogs could not parse multiline pattern key "${source}"`);
    }
  }
  const mode = options.mode;
  if (mode !== undefined && mode !== 'blocking' && mode !== 'non-blocking') {
    throw new AwslogsOptionsError(`logger: unknown mode "${mode}"`);
  }
  const buffer = options['max-buffer-size'];
  const maxBufferBytes = buffer === undefined ? DEFAULT_MAX_BUFFER_BYTES : parseSize(buffer);
  const create = options['awslogs-create-group'];
  if (create !== undefined && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False|T|F)$/.test(create)) {
    throw new AwslogsOptionsError(`strconv.ParseBool: parsing "${create}": invalid syntax`);
  }
  return {
    group,
    region: options['awslogs-region'] || undefined,
    streamPrefix: options['awslogs-stream-prefix'] || undefined,
    createGroup: create !== undefined && /^(true|1|t)$/i.test(create),
    multiline,
    mode,
    maxBufferBytes,
  };
}

/** `<prefix>/<container>/<task id>`; without a prefix ECS names the stream after the container's id. */
export function awslogsStreamName(
  cfg: AwslogsConfig,
  container: string,
  taskId: string,
  runtimeId: string,
): string {
  return cfg.streamPrefix ? `${cfg.streamPrefix}/${container}/${taskId}` : runtimeId;
}

/** Docker's sizes (`10m`, `512k`, `1g`, plain bytes), in binary units as Docker reads them. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new AwslogsOptionsError(`invalid size: '${text}'`);
  const power = ' kmgtp'.indexOf(m[2]!.toLowerCase() || ' ');
  const bytes = Math.floor(Number(m[1]) * 1024 ** power);
  if (bytes <= 0) throw new AwslogsOptionsError(`invalid size: '${text}'`);
  return bytes;
}
