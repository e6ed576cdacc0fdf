import type { ContainerSpec } from './host-agent.ts';
import type { ImageConfig } from './images/image-config.ts';

/** What a container runs, from its image config with the container definition over it. */
export interface ContainerCommand {
  args: string[];
  env: Record<string, string>;
  cwd: string;
  user: string | undefined;
}

/**
 * Merges as Docker merges for ECS: entryPoint replaces the image's Entrypoint and then drops
 * its Cmd; command replaces Cmd; the task definition's variables go over the image's; the
 * working directory and user default to the image's.
 */
export function containerCommand(spec: ContainerSpec, image: ImageConfig): ContainerCommand {
  const entrypoint = spec.entryPoint ?? image.Entrypoint;
  const cmd = spec.command ?? (spec.entryPoint ? [] : image.Cmd);
  const env: Record<string, string> = {};
  for (const kv of image.Env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  Object.assign(env, spec.environment);
  const user = spec.user ?? (image.User || undefined);
  return {
    args: [...entrypoint, ...cmd],
    env,
    cwd: spec.workingDirectory || image.WorkingDir || '/',
    user,
  };
}
