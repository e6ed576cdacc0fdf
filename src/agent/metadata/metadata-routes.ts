import type { Logger } from 'pino';
import { runtimeId } from '../runtime-id.ts';
import {
  containerResponse,
  type MetadataVersion,
  type TaskFacts,
  taskResponse,
} from './metadata-responses.ts';
import type { ContainerMetadata, TaskMetadata, TaskMetadataSource } from './task-metadata-source.ts';

/** What only the host can tell of a task: its containers' runtime facts and their stats. */
export interface MetadataHost {
  facts(task: TaskMetadata): Promise<TaskFacts>;
  /** Docker-shaped stats of a running container; undefined when it does not run. */
  stats(task: TaskMetadata, container: ContainerMetadata): Promise<Record<string, unknown> | undefined>;
}

export interface MetadataRequest {
  method: string;
  /** The path as sent, with or without a query. */
  url: string;
  /** The caller's address as the socket saw it: the task's ENI address. */
  remoteAddress: string;
}

export interface MetadataResponse {
  status: number;
  contentType: 'application/json' | 'text/plain; charset=utf-8';
  body: string;
}

export interface MetadataDeps {
  source: TaskMetadataSource;
  host: MetadataHost;
  log: Logger;
}

type Route =
  | {
      kind: 'container' | 'task' | 'taskWithTags' | 'stats' | 'taskStats';
      version: MetadataVersion;
      id: string;
    }
  | { kind: 'credentials'; id: string };

const ROUTE = /^\/(v3|v4)\/([^/]+)(\/task|\/taskWithTags|\/stats|\/task\/stats)?$/;
const SUFFIX = {
  '': 'container',
  '/task': 'task',
  '/taskWithTags': 'taskWithTags',
  '/stats': 'stats',
  '/task/stats': 'taskStats',
} as const;

/**
 * Answers the task metadata endpoint (v3, v4) and the task role credentials endpoint, as the
 * ECS agent answers them on Fargate, each only for the task whose ENI address is the caller's:
 * asking another task's path is answered as an unknown one. Tested without a socket.
 */
export async function answerMetadataRequest(
  req: MetadataRequest,
  deps: MetadataDeps,
): Promise<MetadataResponse> {
  const path = req.url.split('?')[0] ?? '';
  const route = routeOf(path);
  if (!route) return { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { status: 405, contentType: 'text/plain; charset=utf-8', body: '' };
  }
  const caller = req.remoteAddress.replace(/^::ffff:/, '');
  try {
    return route.kind === 'credentials'
      ? await credentials(deps, caller, route.id)
      : await metadata(deps, caller, route);
  } catch (err) {
    deps.log.error({ err, path }, 'task metadata request failed');
    if (route.kind === 'credentials') {
      return credentialsError(500, 'InternalServerError', 'Internal server error');
    }
    const what =
      route.kind === 'stats' || route.kind === 'taskStats'
        ? 'stats'
        : route.kind === 'container'
          ? 'container metadata'
          : 'task metadata';
    return json(500, `failed to get ${what}`);
  }
}

function routeOf(path: string): Route | undefined {
  if (path === '/v2/credentials' || path === '/v2/credentials/') return { kind: 'credentials', id: '' };
  const credentials = /^\/v2\/credentials\/([^/]+)$/.exec(path);
  if (credentials) return { kind: 'credentials', id: decode(credentials[1]!) };
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  const kind = SUFFIX[(m[3] ?? '') as keyof typeof SUFFIX];
  if (kind === 'taskWithTags' && m[1] === 'v3') return undefined;
  return { kind, version: m[1] as MetadataVersion, id: decode(m[2]!) };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function metadata(
  deps: MetadataDeps,
  caller: string,
  route: Extract<Route, { version: MetadataVersion }>,
): Promise<MetadataResponse> {
  const task = await deps.source.taskByAddress(caller);
  const container = task?.containers.find((c) => runtimeId(task.taskId, c.name) === route.id);
  if (!task || !container) return lookupFailure(route);
  switch (route.kind) {
    case 'container':
      return json(200, containerResponse(route.version, task, container, await deps.host.facts(task)));
    case 'task':
    case 'taskWithTags':
      return json(
        200,
        taskResponse(route.version, task, await deps.host.facts(task), {
          withTags: route.kind === 'taskWithTags',
        }),
      );
    case 'stats': {
      const stats = await deps.host.stats(task, container);
      if (!stats) return json(500, `Unable to get container stats for: ${route.id}`);
      return json(200, stats);
    }
    case 'taskStats': {
      const out: Record<string, unknown> = {};
      const all = await Promise.all(task.containers.map((c) => deps.host.stats(task, c)));
      for (const [i, c] of task.containers.entries()) out[runtimeId(task.taskId, c.name)] = all[i] ?? null;
      return json(200, out);
    }
  }
}

/** ECS's answers for an endpoint id that is not the caller's: its status and words, per version and path. */
function lookupFailure(route: Extract<Route, { version: MetadataVersion }>): MetadataResponse {
  const v = route.version.toUpperCase();
  const noTask = `unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${route.id}`;
  const noContainer = `unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${route.id}`;
  const v4 = route.version === 'v4';
  switch (route.kind) {
    case 'container':
      return json(v4 ? 404 : 500, `${v} container metadata handler: ${noContainer}`);
    case 'task':
    case 'taskWithTags':
      return json(v4 ? 404 : 500, `${v} task metadata handler: ${noTask}`);
    case 'stats':
      return json(v4 ? 404 : 400, `${v} container stats handler: ${noTask}`);
    case 'taskStats':
      return json(v4 ? 404 : 400, `${v} task stats handler: ${noTask}`);
  }
}

async function credentials(deps: MetadataDeps, caller: string, id: string): Promise<MetadataResponse> {
  if (id === '')
    return credentialsError(400, 'NoIdInRequest', 'CredentialsV2Request: No Credential ID in the request');
  const c = await deps.source.roleCredentials(caller, id);
  if (!c) return credentialsError(400, 'InvalidIdInRequest', 'CredentialsV2Request: Credentials not found');
  return json(200, {
    RoleArn: c.roleArn,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: iso8601Seconds(c.expiresAtMs),
  });
}

function credentialsError(status: number, code: string, message: string): MetadataResponse {
  return json(status, { code, message, HTTPErrorCode: status });
}

/** STS's expiration format: ISO 8601 to the second, in UTC. */
export function iso8601Seconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function json(status: number, value: unknown): MetadataResponse {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}
