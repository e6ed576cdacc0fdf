import type { Kysely } from 'kysely';
import { parseArn } from '../../core/arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import { parseTaskDefinitionRef } from '../../core/ecs/task-definition-ref.ts';
import type { Scope } from '../../core/scope.ts';
import { getCluster } from '../../store/clusters.ts';
import type { Database } from '../../store/schema.ts';
import { getService } from '../../store/services.ts';
import { getTaskDefinition } from '../../store/task-definitions.ts';
import { getTask } from '../../store/tasks.ts';

type Exists = (db: Kysely<Database>, scope: Scope, resource: string) => Promise<void>;

const notFound = () => ecsError('ResourceNotFoundException', "The specified resource wasn't found.");

/** How to check that a taggable resource exists, by the resource type in its ARN. */
const TAGGABLE: Readonly<Record<string, Exists>> = {
  async cluster(db, scope, name) {
    if ((await getCluster(db, scope, name))?.status !== 'ACTIVE') {
      throw ecsError('ClusterNotFoundException', 'Cluster not found.');
    }
  },
  async task(db, scope, body) {
    const [cluster, id, extra] = body.split('/');
    if (!id || extra !== undefined) {
      throw ecsError('InvalidParameterException', 'Long arn format must be used for tagging operations');
    }
    if ((await getTask(db, scope, id))?.cluster !== cluster) throw notFound();
  },
  async service(db, scope, body) {
    const [cluster, name, extra] = body.split('/');
    if (!name || extra !== undefined) {
      throw ecsError('InvalidParameterException', 'Long arn format must be used for tagging operations');
    }
    const svc = await getService(db, scope, cluster!, name);
    if (!svc || svc.status === 'INACTIVE') throw ecsError('ServiceNotFoundException', 'Service not found.');
  },
  async 'task-definition'(db, scope, body) {
    const ref = parseTaskDefinitionRef(scope, body);
    if (ref?.revision === undefined || !(await getTaskDefinition(db, scope, ref.family, ref.revision)))
      throw notFound();
  },
};

/**
 * Checks that `arn` names an ECS resource of this account and region that exists and can
 * be tagged. Resources are named by their long-format ARN, as ECS requires for tagging.
 */
export async function checkTaggable(db: Kysely<Database>, scope: Scope, arn: string): Promise<void> {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'ecs') throw ecsError('InvalidParameterException', 'The ARN provided is invalid');
  if (parsed.region !== scope.region || parsed.account !== scope.account) throw notFound();
  const slash = parsed.resource.indexOf('/');
  const type = slash < 0 ? parsed.resource : parsed.resource.slice(0, slash);
  const exists = Object.hasOwn(TAGGABLE, type) ? TAGGABLE[type] : undefined;
  if (!exists) throw ecsError('InvalidParameterException', `Unsupported resource type: ${type}`);
  await exists(db, scope, parsed.resource.slice(slash + 1));
}
