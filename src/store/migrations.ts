import { type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { Dialect } from './store.ts';

/**
 * Schema migrations, oldest first. Never edit one that has shipped: add the next.
 * Key columns sort bytewise on both dialects (`collate "C"` on PostgreSQL, SQLite's default),
 * so pagination orders agree.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const time = dialect === 'postgres' ? sql`bigint` : sql`integer`;
  return {
    '0001-control-plane': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('access_keys')
          .addColumn('access_key_id', key, (c) => c.primaryKey())
          .addColumn('secret_access_key', 'text', (c) => c.notNull())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('principal_arn', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('clusters')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('clusters_pk', ['account', 'region', 'name'])
          .execute();
        await db.schema
          .createTable('task_definition_families')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('family', key, (c) => c.notNull())
          .addColumn('last_revision', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('task_definition_families_pk', ['account', 'region', 'family'])
          .execute();
        await db.schema
          .createTable('task_definitions')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('family', key, (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('registered_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('task_definitions_pk', ['account', 'region', 'family', 'revision'])
          .execute();
        await db.schema
          .createTable('tags')
          .addColumn('resource_arn', key, (c) => c.notNull())
          .addColumn('key', key, (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('tags_pk', ['resource_arn', 'key'])
          .execute();
        await db.schema
          .createTable('account_settings')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('principal_arn', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('account_settings_pk', ['account', 'region', 'principal_arn', 'name'])
          .execute();
      },
    },
    '0002-tasks-and-networks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('tasks')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('cluster', key, (c) => c.notNull())
          .addColumn('family', key, (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('last_status', key, (c) => c.notNull())
          .addColumn('desired_status', key, (c) => c.notNull())
          .addColumn('started_by', key)
          .addColumn('group_name', key, (c) => c.notNull())
          .addColumn('service_name', key)
          .addColumn('launch_type', key, (c) => c.notNull())
          .addColumn('host', key, (c) => c.notNull())
          .addColumn('cpu_units', 'integer', (c) => c.notNull())
          .addColumn('memory_mib', 'integer', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('stopped_at', time)
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('plan', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('tasks_by_cluster')
          .on('tasks')
          .columns(['account', 'region', 'cluster', 'desired_status', 'created_at', 'id'])
          .execute();
        await db.schema.createIndex('tasks_by_host').on('tasks').columns(['host', 'last_status']).execute();
        await db.schema
          .createTable('vpcs')
          .addColumn('vpc_id', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('cidr', key, (c) => c.notNull().unique())
          .addColumn('is_default', 'integer', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('subnets')
          .addColumn('subnet_id', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('vpc_id', key, (c) => c.notNull())
          .addColumn('cidr', key, (c) => c.notNull())
          .addColumn('availability_zone', key, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('network_interfaces')
          .addColumn('eni_id', key, (c) => c.primaryKey())
          .addColumn('subnet_id', key, (c) => c.notNull())
          .addColumn('ipv4', key, (c) => c.notNull())
          .addColumn('mac', key, (c) => c.notNull())
          .addColumn('task_id', key, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addUniqueConstraint('network_interfaces_ip', ['subnet_id', 'ipv4'])
          .execute();
      },
    },
    '0003-registry': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('ecr_repositories')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('ecr_repositories_pk', ['account', 'region', 'name'])
          .execute();
        await db.schema
          .createTable('ecr_images')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('repository', key, (c) => c.notNull())
          .addColumn('digest', key, (c) => c.notNull())
          .addColumn('media_type', 'text', (c) => c.notNull())
          .addColumn('artifact_media_type', 'text')
          .addColumn('manifest', 'text', (c) => c.notNull())
          .addColumn('size_bytes', time, (c) => c.notNull())
          .addColumn('pushed_at', time, (c) => c.notNull())
          .addColumn('last_pulled_at', time)
          .addPrimaryKeyConstraint('ecr_images_pk', ['account', 'region', 'repository', 'digest'])
          .execute();
        await db.schema
          .createTable('ecr_image_tags')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('repository', key, (c) => c.notNull())
          .addColumn('tag', key, (c) => c.notNull())
          .addColumn('digest', key, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('ecr_image_tags_pk', ['account', 'region', 'repository', 'tag'])
          .execute();
        await db.schema
          .createIndex('ecr_image_tags_by_digest')
          .on('ecr_image_tags')
          .columns(['account', 'region', 'repository', 'digest'])
          .execute();
        await db.schema
          .createTable('ecr_image_refs')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('repository', key, (c) => c.notNull())
          .addColumn('image_digest', key, (c) => c.notNull())
          .addColumn('ref_digest', key, (c) => c.notNull())
          .addPrimaryKeyConstraint('ecr_image_refs_pk', [
            'account',
            'region',
            'repository',
            'image_digest',
            'ref_digest',
          ])
          .execute();
        await db.schema
          .createIndex('ecr_image_refs_by_ref')
          .on('ecr_image_refs')
          .columns(['account', 'region', 'repository', 'ref_digest'])
          .execute();
        await db.schema
          .createTable('registry_blobs')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('repository', key, (c) => c.notNull())
          .addColumn('digest', key, (c) => c.notNull())
          .addColumn('size_bytes', time, (c) => c.notNull())
          .addColumn('linked_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('registry_blobs_pk', ['account', 'region', 'repository', 'digest'])
          .execute();
        await db.schema
          .createIndex('registry_blobs_by_digest')
          .on('registry_blobs')
          .columns(['digest'])
          .execute();
        await db.schema
          .createTable('registry_signing_keys')
          .addColumn('account', key, (c) => c.primaryKey())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
      },
    },
    '0005-secrets': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('secrets')
          .addColumn('arn', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('kms_key_id', 'text')
          .addColumn('secret_type', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('changed_at', time, (c) => c.notNull())
          .addColumn('accessed_at', time)
          .addColumn('deleted_at', time)
          .addColumn('purge_at', time)
          .addColumn('last_seq', 'integer', (c) => c.notNull())
          .addUniqueConstraint('secrets_name', ['account', 'region', 'name'])
          .execute();
        await db.schema.createIndex('secrets_by_purge_at').on('secrets').column('purge_at').execute();
        await db.schema
          .createTable('secret_versions')
          .addColumn('secret_arn', key, (c) => c.notNull())
          .addColumn('version_id', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('stages', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('ciphertext', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('accessed_at', time)
          .addPrimaryKeyConstraint('secret_versions_pk', ['secret_arn', 'version_id'])
          .execute();
        await db.schema
          .createTable('ssm_parameters')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('ssm_parameters_pk', ['account', 'region', 'name'])
          .execute();
        await db.schema
          .createTable('ssm_parameter_versions')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('tier', 'text', (c) => c.notNull())
          .addColumn('data_type', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text')
          .addColumn('description', 'text')
          .addColumn('allowed_pattern', 'text')
          .addColumn('policies', 'text')
          .addColumn('ciphertext', 'text', (c) => c.notNull())
          .addColumn('modified_at', time, (c) => c.notNull())
          .addColumn('modified_by', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('ssm_parameter_versions_pk', ['account', 'region', 'name', 'version'])
          .execute();
      },
    },
    '0006-services': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('services')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('cluster', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('status', key, (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('services_pk', ['account', 'region', 'cluster', 'name'])
          .execute();
        await db.schema
          .createTable('service_deployments')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('cluster', key, (c) => c.notNull())
          .addColumn('service', key, (c) => c.notNull())
          .addColumn('status', key, (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('service_deployments_by_service')
          .on('service_deployments')
          .columns(['account', 'region', 'cluster', 'service', 'created_at'])
          .execute();
        await db.schema
          .createTable('service_revisions')
          .addColumn('arn', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('cluster', key, (c) => c.notNull())
          .addColumn('service', key, (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('service_events')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('cluster', key, (c) => c.notNull())
          .addColumn('service', key, (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('service_events_by_service')
          .on('service_events')
          .columns(['account', 'region', 'cluster', 'service', 'created_at'])
          .execute();
        await db.schema
          .createIndex('tasks_by_service')
          .on('tasks')
          .columns(['account', 'region', 'cluster', 'service_name', 'last_status'])
          .execute();
      },
    },
    '0007-logs': {
      async up(db: Kysely<unknown>) {
        // Surrogate ids keep event rows small; events take theirs in storing order (eventIds, tokens).
        const id = (c: CreateTableBuilder<string, never>, name: string) =>
          dialect === 'postgres'
            ? c.addColumn(name, sql`bigint generated by default as identity`, (col) => col.primaryKey())
            : c.addColumn(name, 'integer', (col) => col.primaryKey());
        await id(db.schema.createTable('log_groups'), 'id')
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('retention_days', 'integer')
          .addColumn('kms_key_id', 'text')
          .addColumn('log_group_class', 'text', (c) => c.notNull())
          .addColumn('deletion_protection', 'integer', (c) => c.notNull())
          .addColumn('stored_bytes', time, (c) => c.notNull())
          .addUniqueConstraint('log_groups_name', ['account', 'region', 'name'])
          .execute();
        await db.schema
          .createIndex('log_groups_by_retention')
          .on('log_groups')
          .column('retention_days')
          .execute();
        await id(db.schema.createTable('log_streams'), 'id')
          .addColumn('group_id', time, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('first_event_at', time)
          .addColumn('last_event_at', time)
          .addColumn('last_ingestion_at', time)
          .addUniqueConstraint('log_streams_name', ['group_id', 'name'])
          .execute();
        await id(db.schema.createTable('log_events'), 'id')
          .addColumn('group_id', time, (c) => c.notNull())
          .addColumn('stream_id', time, (c) => c.notNull())
          .addColumn('event_time', time, (c) => c.notNull())
          .addColumn('ingested_at', time, (c) => c.notNull())
          .addColumn('size_bytes', 'integer', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .execute();
        // GetLogEvents reads a stream, FilterLogEvents a group, both by time then storing order.
        await db.schema
          .createIndex('log_events_by_stream')
          .on('log_events')
          .columns(['stream_id', 'event_time', 'id'])
          .execute();
        await db.schema
          .createIndex('log_events_by_group')
          .on('log_events')
          .columns(['group_id', 'event_time', 'id'])
          .execute();
        // How far the awslogs shipper has read each container's log file.
        await db.schema
          .createTable('log_cursors')
          .addColumn('task_id', key, (c) => c.notNull())
          .addColumn('container', key, (c) => c.notNull())
          .addColumn('file_id', 'text', (c) => c.notNull())
          .addColumn('file_offset', time, (c) => c.notNull())
          .addColumn('dropped_bytes', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('log_cursors_pk', ['task_id', 'container'])
          .execute();
      },
    },
    '0008-task-credentials': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('task_credentials')
          .addColumn('access_key_id', key, (c) => c.primaryKey())
          .addColumn('task_id', key, (c) => c.notNull())
          .addColumn('credentials_id', key, (c) => c.notNull())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('role_arn', 'text', (c) => c.notNull())
          .addColumn('principal_arn', 'text', (c) => c.notNull())
          .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
          .addColumn('token_ciphertext', 'text', (c) => c.notNull())
          .addColumn('issued_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('task_credentials_by_task')
          .on('task_credentials')
          .columns(['task_id', 'credentials_id', 'issued_at'])
          .execute();
        await db.schema
          .createIndex('task_credentials_by_expiry')
          .on('task_credentials')
          .column('expires_at')
          .execute();
        // The metadata endpoint knows a task by its ENI address, on every request.
        await db.schema
          .createIndex('network_interfaces_by_ipv4')
          .on('network_interfaces')
          .column('ipv4')
          .execute();
      },
    },
    '0009-load-balancers': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('load_balancers')
          .addColumn('arn', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('scheme', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('host', key, (c) => c.notNull())
          .addColumn('address', key, (c) => c.notNull())
          .addColumn('dns_name', 'text', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('load_balancers_by_name')
          .on('load_balancers')
          .columns(['account', 'region', 'name'])
          .unique()
          .execute();
        // A loopback address is held by one load balancer of a host at a time.
        await db.schema
          .createIndex('load_balancers_by_address')
          .on('load_balancers')
          .columns(['host', 'address'])
          .unique()
          .execute();
        await db.schema
          .createTable('target_groups')
          .addColumn('arn', key, (c) => c.primaryKey())
          .addColumn('account', key, (c) => c.notNull())
          .addColumn('region', key, (c) => c.notNull())
          .addColumn('name', key, (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('target_groups_by_name')
          .on('target_groups')
          .columns(['account', 'region', 'name'])
          .unique()
          .execute();
        await db.schema
          .createTable('lb_listeners')
          .addColumn('arn', key, (c) => c.primaryKey())
          .addColumn('load_balancer_arn', key, (c) => c.notNull())
          .addColumn('port', 'integer', (c) => c.notNull())
          .addColumn('protocol', 'text', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('lb_listeners_by_port')
          .on('lb_listeners')
          .columns(['load_balancer_arn', 'port'])
          .unique()
          .execute();
        // The default rule of a listener has no priority; the others' are unique per listener.
        await db.schema
          .createTable('lb_rules')
          .addColumn('arn', key, (c) => c.primaryKey())
          .addColumn('listener_arn', key, (c) => c.notNull())
          .addColumn('load_balancer_arn', key, (c) => c.notNull())
          .addColumn('priority', 'integer')
          .addColumn('doc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('lb_rules_by_priority')
          .on('lb_rules')
          .columns(['listener_arn', 'priority'])
          .unique()
          .execute();
        await db.schema
          .createIndex('lb_rules_by_load_balancer')
          .on('lb_rules')
          .column('load_balancer_arn')
          .execute();
        // Which target groups each rule forwards to: what makes a group used, and by which load balancer.
        await db.schema
          .createTable('lb_rule_target_groups')
          .addColumn('rule_arn', key, (c) => c.notNull())
          .addColumn('target_group_arn', key, (c) => c.notNull())
          .addColumn('load_balancer_arn', key, (c) => c.notNull())
          .addPrimaryKeyConstraint('lb_rule_target_groups_pk', ['rule_arn', 'target_group_arn'])
          .execute();
        await db.schema
          .createIndex('lb_rule_target_groups_by_target_group')
          .on('lb_rule_target_groups')
          .columns(['target_group_arn', 'load_balancer_arn'])
          .execute();
        await db.schema
          .createTable('lb_targets')
          .addColumn('target_group_arn', key, (c) => c.notNull())
          .addColumn('target_id', key, (c) => c.notNull())
          .addColumn('port', 'integer', (c) => c.notNull())
          .addColumn('availability_zone', 'text')
          .addColumn('registered_at', time, (c) => c.notNull())
          .addColumn('draining_until', time)
          .addPrimaryKeyConstraint('lb_targets_pk', ['target_group_arn', 'target_id', 'port'])
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
