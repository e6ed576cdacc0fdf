import type { Kysely } from 'kysely';
import type { Scope } from '../core/scope.ts';
import type { Database, NetworkInterfaceRow, SubnetRow, VpcRow } from './schema.ts';

export async function getSubnet(db: Kysely<Database>, subnetId: string): Promise<SubnetRow | undefined> {
  return db.selectFrom('subnets').selectAll().where('subnet_id', '=', subnetId).executeTakeFirst();
}

export async function getVpc(db: Kysely<Database>, vpcId: string): Promise<VpcRow | undefined> {
  return db.selectFrom('vpcs').selectAll().where('vpc_id', '=', vpcId).executeTakeFirst();
}

export async function getDefaultVpc(db: Kysely<Database>, scope: Scope): Promise<VpcRow | undefined> {
  return db
    .selectFrom('vpcs')
    .selectAll()
    .where('account', '=', scope.account)
    .where('region', '=', scope.region)
    .where('is_default', '=', 1)
    .executeTakeFirst();
}

/** Every VPC CIDR on the host, of every account and region: they are routed side by side. */
export async function allVpcCidrs(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('vpcs').select('cidr').execute()).map((r) => r.cidr);
}

export async function subnetsOfVpc(db: Kysely<Database>, vpcId: string): Promise<SubnetRow[]> {
  return db.selectFrom('subnets').selectAll().where('vpc_id', '=', vpcId).orderBy('created_at').execute();
}

export async function insertVpc(db: Kysely<Database>, row: VpcRow): Promise<void> {
  await db.insertInto('vpcs').values(row).execute();
}

export async function insertSubnet(db: Kysely<Database>, row: SubnetRow): Promise<void> {
  await db.insertInto('subnets').values(row).execute();
}

export async function usedAddresses(db: Kysely<Database>, subnetId: string): Promise<string[]> {
  return (
    await db.selectFrom('network_interfaces').select('ipv4').where('subnet_id', '=', subnetId).execute()
  ).map((r) => r.ipv4);
}

/** The address given out last in a subnet, so the next search starts after it. */
export async function lastAddress(db: Kysely<Database>, subnetId: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('network_interfaces')
    .select('ipv4')
    .where('subnet_id', '=', subnetId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.ipv4;
}

export async function insertNetworkInterface(db: Kysely<Database>, row: NetworkInterfaceRow): Promise<void> {
  await db.insertInto('network_interfaces').values(row).execute();
}

/** Gives a task's address back to its subnet. */
export async function deleteNetworkInterfacesOfTask(db: Kysely<Database>, taskId: string): Promise<void> {
  await db.deleteFrom('network_interfaces').where('task_id', '=', taskId).execute();
}
