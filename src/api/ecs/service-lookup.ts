import type { Kysely } from 'kysely';
import { ecsArnResource } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Scope } from '../../core/scope.ts';
import type { Database } from '../../store/schema.ts';
import { getService, type ServiceRecord } from '../../store/services.ts';

/** The service name a reference names: a name, or an ARN (`service/<cluster>/<name>` or the old `service/<name>`). */
export function serviceNameOf(scope: Scope, cluster: string, ref: string): string | undefined {
  if (!ref.startsWith('arn:')) return ref;
  const resource = ecsArnResource(scope, ref, 'service');
  if (!resource) return undefined;
  const parts = resource.split('/');
  if (parts.length === 1) return parts[0];
  return parts.length === 2 && parts[0] === cluster ? parts[1] : undefined;
}

/** A service of the cluster, whatever its status; ServiceNotFoundException when there is none. */
export async function requireService(
  db: Kysely<Database>,
  scope: Scope,
  cluster: string,
  ref: string | undefined,
): Promise<ServiceRecord> {
  const name = ref && serviceNameOf(scope, cluster, ref);
  const found = name ? await getService(db, scope, cluster, name) : undefined;
  if (!found) throw ecsError('ServiceNotFoundException', 'Service not found.');
  return found;
}
