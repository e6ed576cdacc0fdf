/**
 * The part of the OCI runtime spec (config.json, runtime-spec 1.0.2 as runc 1.1 reads it) that
 * neargate writes. Field names are the spec's.
 */
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: OciLinux;
}

export interface OciProcess {
  terminal?: boolean;
  user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: {
    bounding?: string[];
    effective?: string[];
    inheritable?: string[];
    permitted?: string[];
    ambient?: string[];
  };
  /** `bigint` for values past 2^53, RLIM_INFINITY above all; see serializeRuntimeSpec. */
  rlimits?: { type: string; soft: number | bigint; hard: number | bigint }[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciLinux {
  namespaces: { type: OciNamespaceType; path?: string }[];
  cgroupsPath?: string;
  resources?: OciResources;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciResources {
  devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

/** config.json text; writes `bigint` values (rlimits past 2^53) as exact JSON integers. */
export function serializeRuntimeSpec(spec: OciSpec): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(spec, (_, value: unknown) =>
    typeof value === 'bigint' ? `${marker}${value.toString()}` : value,
  );
  return text.replace(/"\\u0000bigint:(\d+)"/g, '$1');
}
