import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { containerCommand } from './container-command.ts';
import { AgentError, type ContainerSpec } from './host-agent.ts';
import type { ImageStore } from './images/image-store.ts';
import type { OciSpec } from './runtime/oci-spec.ts';
import { readUserDatabase } from './runtime/read-user-database.ts';
import { buildRuntimeSpec } from './runtime/runtime-spec.ts';
import type { TaskDirs } from './task-files.ts';

/** A container made ready to create: its rootfs mounted and its OCI spec built. */
export interface ContainerBundle {
  containerDir: string;
  /** The image it was made from. */
  manifestDigest: string;
  spec: OciSpec;
  logPath: string;
  stopSignal: string | undefined;
}

export interface BundleContext {
  images: ImageStore;
  dirs: TaskDirs;
  hostname: string;
  netnsPath: string;
  cgroupsPath: string;
  nofileCeiling: number | undefined;
}

/**
 * Mounts a container's rootfs (unless a crash left it mounted) and builds its OCI spec from
 * the image config and the container definition. Needs the image on the host, nothing else of
 * the task: it may run while the task's network is still being made.
 */
export async function prepareBundle(spec: ContainerSpec, ctx: BundleContext): Promise<ContainerBundle> {
  const image = await ctx.images.resolve(pinnedImage(spec));
  if (!image)
    throw new AgentError('CannotPullContainerError', `failed to resolve ref ${spec.image}: not found`);
  const containerDir = ctx.dirs.container(spec.name);
  const rootfsPath =
    (await ctx.images.mountedRootfs(containerDir)) ??
    (await ctx.images.mountRootfs(image, containerDir)).path;
  const cmd = containerCommand(spec, image.config);
  if (cmd.args.length === 0) {
    throw new AgentError('CannotStartContainerError', 'Error response from daemon: No command specified');
  }
  let ociSpec: OciSpec;
  try {
    ociSpec = buildRuntimeSpec({
      args: cmd.args,
      env: cmd.env,
      cwd: cmd.cwd,
      ...(cmd.user !== undefined && { user: cmd.user }),
      userDatabase: await readUserDatabase(rootfsPath),
      hostname: ctx.hostname,
      rootfsPath,
      readonlyRootFilesystem: spec.readonlyRootFilesystem ?? false,
      mounts: [
        { source: ctx.dirs.hosts, destination: '/etc/hosts' },
        { source: ctx.dirs.hostname, destination: '/etc/hostname' },
        { source: ctx.dirs.resolvConf, destination: '/etc/resolv.conf' },
        ...(spec.mountPoints ?? []).map((m) => ({
          source: ctx.dirs.volume(m.sourceVolume),
          destination: m.containerPath,
          readOnly: m.readOnly ?? false,
        })),
      ],
      networkNamespacePath: ctx.netnsPath,
      cgroupsPath: ctx.cgroupsPath,
      ...(spec.memoryMiB !== undefined && { memoryMiB: spec.memoryMiB }),
      ...(spec.memoryReservationMiB !== undefined && { memoryReservationMiB: spec.memoryReservationMiB }),
      ...(spec.cpuUnits !== undefined && { cpuUnits: spec.cpuUnits }),
      ...(spec.ulimits && { ulimits: spec.ulimits }),
      ...(ctx.nofileCeiling !== undefined && { nofileCeiling: ctx.nofileCeiling }),
      ...(spec.capabilities && { capabilities: spec.capabilities }),
      ...(spec.initProcessEnabled !== undefined && { initProcessEnabled: spec.initProcessEnabled }),
      ...(spec.systemControls && { systemControls: spec.systemControls }),
      ...(spec.dockerLabels && { annotations: spec.dockerLabels }),
    });
  } catch (err) {
    throw new AgentError('CannotStartContainerError', (err as Error).message);
  }
  // Health checks are watched in memory; a restarted agent finds them here.
  if (spec.healthCheck) await writeFile(join(containerDir, 'health.json'), JSON.stringify(spec.healthCheck));
  return {
    containerDir,
    manifestDigest: image.manifestDigest,
    spec: ociSpec,
    logPath: ctx.dirs.log(spec.name),
    stopSignal: image.config.StopSignal,
  };
}

/** The container's image by the digest it was pulled at, when known, else by its name. */
export function pinnedImage(spec: Pick<ContainerSpec, 'image' | 'imageDigest'>): string {
  if (spec.imageDigest === undefined || spec.image.includes('@')) return spec.image;
  return `${spec.image}@${spec.imageDigest}`;
}
