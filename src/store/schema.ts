import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Timestamps are epoch milliseconds. `doc` columns hold the
 * resource as the API describes it (JSON text, so SQLite and PostgreSQL store it alike);
 * the other columns are what queries filter and sort on.
 */
export interface Database {
  access_keys: AccessKeyRow;
  clusters: ClusterRow;
  task_definition_families: TaskDefinitionFamilyRow;
  task_definitions: TaskDefinitionRow;
  tags: TagRow;
  account_settings: AccountSettingRow;
  tasks: TaskRow;
  vpcs: VpcRow;
  subnets: SubnetRow;
  network_interfaces: NetworkInterfaceRow;
  ecr_repositories: EcrRepositoryRow;
  ecr_images: EcrImageRow;
  ecr_image_tags: EcrImageTagRow;
  ecr_image_refs: EcrImageRefRow;
  registry_blobs: RegistryBlobRow;
  registry_signing_keys: RegistrySigningKeyRow;
  services: ServiceRow;
  service_deployments: ServiceDeploymentRow;
  service_revisions: ServiceRevisionRow;
  service_events: ServiceEventRow;
  secrets: SecretRow;
  secret_versions: SecretVersionRow;
  ssm_parameters: SsmParameterRow;
  ssm_parameter_versions: SsmParameterVersionRow;
  log_groups: LogGroupRow;
  log_streams: LogStreamRow;
  log_events: LogEventRow;
  log_cursors: LogCursorRow;
  task_credentials: TaskCredentialRow;

  load_balancers: LoadBalancerRow;
  target_groups: TargetGroupRow;
  lb_listeners: ListenerRow;
  lb_rules: ListenerRuleRow;
  lb_rule_target_groups: RuleTargetGroupRow;
  lb_targets: LbTargetRow;
}

export interface AccessKeyRow {
  access_key_id: string;
  secret_access_key: string;
  account: string;
  principal_arn: string;
  created_at: number;
}

export interface ClusterRow {
  account: string;
  region: string;
  name: string;
  /** ACTIVE, or INACTIVE once deleted (still describable, as in ECS). */
  status: string;
  doc: string;
  created_at: number;
  updated_at: number;
}

export interface TaskDefinitionFamilyRow {
  account: string;
  region: string;
  family: string;
  /** Revisions count on per family, even past deleted ones. */
  last_revision: number;
}

export interface TaskDefinitionRow {
  account: string;
  region: string;
  family: string;
  revision: number;
  /** ACTIVE, INACTIVE or DELETE_IN_PROGRESS. */
  status: string;
  doc: string;
  registered_at: number;
}

export interface TagRow {
  resource_arn: string;
  key: string;
  value: string;
}

export interface AccountSettingRow {
  account: string;
  region: string;
  /** The principal the setting is for; '' holds the account default. */
  principal_arn: string;
  name: string;
  value: string;
}

export interface TaskRow {
  id: string;
  account: string;
  region: string;
  cluster: string;
  family: string;
  revision: number;
  last_status: string;
  desired_status: string;
  started_by: string | null;
  group_name: string;
  service_name: string | null;
  launch_type: string;
  /** The host that runs the task. */
  host: string;
  cpu_units: number;
  memory_mib: number;
  created_at: number;
  stopped_at: number | null;
  /** Bumped by every change, for optimistic concurrency and ECS's task `version`. */
  version: number;
  /** The task as DescribeTasks returns it, tags aside. */
  doc: string;
  /** What the control plane decided at RunTask, which the host realises. */
  plan: string;
}

export interface VpcRow {
  vpc_id: string;
  account: string;
  region: string;
  /** Unique on the host: VPCs are routed side by side. */
  cidr: string;
  is_default: number;
  created_at: number;
}

export interface SubnetRow {
  subnet_id: string;
  account: string;
  region: string;
  vpc_id: string;
  cidr: string;
  availability_zone: string;
  created_at: number;
}

export interface NetworkInterfaceRow {
  eni_id: string;
  subnet_id: string;
  ipv4: string;
  mac: string;
  task_id: string;
  created_at: number;
}

export interface EcrRepositoryRow {
  account: string;
  region: string;
  name: string;
  /** Settings: imageTagMutability, scanning and encryption configuration. */
  doc: string;
  created_at: number;
}

/** One manifest (image or index) in a repository, by its digest. */
export interface EcrImageRow {
  account: string;
  region: string;
  repository: string;
  digest: string;
  media_type: string;
  /** The config's media type, as ECR reports `artifactMediaType`. */
  artifact_media_type: string | null;
  /** The manifest exactly as pushed (UTF-8 JSON). */
  manifest: string;
  /** Compressed layers and config, as ECR's `imageSizeInBytes`. */
  size_bytes: number;
  pushed_at: number;
  last_pulled_at: number | null;
}

export interface EcrImageTagRow {
  account: string;
  region: string;
  repository: string;
  tag: string;
  digest: string;
  updated_at: number;
}

/** What a manifest points to: its config and layer blobs, or an index's manifests. */
export interface EcrImageRefRow {
  account: string;
  region: string;
  repository: string;
  image_digest: string;
  ref_digest: string;
}

/** A blob a repository holds (uploaded, mounted or referenced); the bytes are on disk, shared. */
export interface RegistryBlobRow {
  account: string;
  region: string;
  repository: string;
  digest: string;
  size_bytes: number;
  linked_at: number;
}

/** The secret an account's registry passwords (GetAuthorizationToken) are signed with. */
export interface RegistrySigningKeyRow {
  account: string;
  secret: string;
  created_at: number;
}

export interface ServiceRow {
  account: string;
  region: string;
  cluster: string;
  name: string;
  /** ACTIVE, DRAINING while being deleted, INACTIVE once deleted (describable a while, as in ECS). */
  status: string;
  /** What the user configured (task definition, desired count, network, deployment settings). */
  doc: string;
  /** Where the scheduler is: counts it keeps between ticks (steady since, throttling). */
  state: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface ServiceDeploymentRow {
  /** `ecs-svc/<digits>`, as ECS names deployments. */
  id: string;
  account: string;
  region: string;
  cluster: string;
  service: string;
  /** PRIMARY, ACTIVE (being replaced) or INACTIVE (done). */
  status: string;
  doc: string;
  created_at: number;
  updated_at: number;
}

export interface ServiceRevisionRow {
  arn: string;
  account: string;
  region: string;
  cluster: string;
  service: string;
  doc: string;
  created_at: number;
}

export interface ServiceEventRow {
  id: string;
  account: string;
  region: string;
  cluster: string;
  service: string;
  message: string;
  created_at: number;
}

/** A Secrets Manager secret; its values live in `secret_versions`. */
export interface SecretRow {
  /** With the six random characters AWS appends to the name. */
  arn: string;
  account: string;
  region: string;
  name: string;
  description: string | null;
  kms_key_id: string | null;
  secret_type: string | null;
  created_at: number;
  changed_at: number;
  /** Day (UTC midnight) the value was last read, as AWS reports it. */
  accessed_at: number | null;
  /** Set while the secret waits out its recovery window. */
  deleted_at: number | null;
  /** When the janitor removes a deleted secret for good. */
  purge_at: number | null;
  /** The `seq` of the newest version, so versions keep their order of creation. */
  last_seq: number;
}

export interface SecretVersionRow {
  secret_arn: string;
  version_id: string;
  seq: number;
  /** JSON array of staging labels; empty once the version is deprecated. */
  stages: string;
  /** `string` (SecretString) or `binary` (SecretBinary). */
  kind: string;
  /** The value, encrypted by the data dir's key (see value-cipher.ts). */
  ciphertext: string;
  created_at: number;
  accessed_at: number | null;
}

/** A Parameter Store parameter: its name and newest version; each version is a row of its own. */
export interface SsmParameterRow {
  account: string;
  region: string;
  name: string;
  version: number;
}

export interface SsmParameterVersionRow {
  account: string;
  region: string;
  name: string;
  version: number;
  /** String, StringList or SecureString. */
  type: string;
  tier: string;
  data_type: string;
  key_id: string | null;
  description: string | null;
  allowed_pattern: string | null;
  /** The Policies JSON as given. */
  policies: string | null;
  /** The value, encrypted by the data dir's key whatever its type (see value-cipher.ts). */
  ciphertext: string;
  modified_at: number;
  modified_by: string;
}

/** A CloudWatch Logs log group; its events are in `log_events`. */
export interface LogGroupRow {
  id: Generated<number>;
  account: string;
  region: string;
  name: string;
  created_at: number;
  retention_days: number | null;
  kms_key_id: string | null;
  /** STANDARD, INFREQUENT_ACCESS or DELIVERY: recorded, all behave alike. */
  log_group_class: string;
  deletion_protection: number;
  /** The UTF-8 bytes of the events it holds. */
  stored_bytes: number;
}

export interface LogStreamRow {
  id: Generated<number>;
  group_id: number;
  name: string;
  created_at: number;
  first_event_at: number | null;
  last_event_at: number | null;
  last_ingestion_at: number | null;
}

export interface LogEventRow {
  /** Storing order, unique across the store: the tiebreaker of events with the same time, and their eventId. */
  id: Generated<number>;
  group_id: number;
  stream_id: number;
  /** The event's own timestamp (epoch ms), as the writer gave it. */
  event_time: number;
  ingested_at: number;
  size_bytes: number;
  message: string;
}

/** How far the awslogs shipper has read one container's log file; written with the events it shipped. */
export interface LogCursorRow {
  task_id: string;
  container: string;
  /** The log file's identity on the host (device and inode), so a replaced file is noticed. */
  file_id: string;
  /** Everything before this byte of the file is shipped (or dropped in non-blocking mode). */
  file_offset: number;
  /** Bytes skipped: lost to conmon's truncation, or over max-buffer-size in non-blocking mode. */
  dropped_bytes: number;
  updated_at: number;
}

/**
 * One set of temporary credentials of a task's role. A task's `credentials_id` (the URI its
 * containers ask) stays; the sets behind it are replaced before they expire.
 */
export interface TaskCredentialRow {
  /** `ASIA...`, as STS names temporary keys. */
  access_key_id: string;
  task_id: string;
  credentials_id: string;
  /** The task's account, where the credentials act. */
  account: string;
  role_arn: string;
  /** The assumed-role session the credentials act as. */
  principal_arn: string;
  /** The secret access key and the session token, encrypted by the data dir's key (see value-cipher.ts). */
  secret_ciphertext: string;
  token_ciphertext: string;
  issued_at: number;
  expires_at: number;
}

/** An ELBv2 load balancer (application or network). */
export interface LoadBalancerRow {
  arn: string;
  account: string;
  region: string;
  name: string;
  /** application or network. */
  type: string;
  /** internet-facing or internal. */
  scheme: string;
  /** provisioning until the host's data plane runs it, then active. */
  state: string;
  /** The host whose data plane runs it. */
  host: string;
  /** Its loopback address on that host (127.x.y.z), held while it exists. */
  address: string;
  dns_name: string;
  /** Subnets and zones, VPC, security groups, IP address type, attributes. */
  doc: string;
  created_at: number;
  updated_at: number;
}

export interface TargetGroupRow {
  arn: string;
  account: string;
  region: string;
  name: string;
  /** Protocol, port, VPC, target type, health check and attributes. */
  doc: string;
  created_at: number;
  updated_at: number;
}

export interface ListenerRow {
  arn: string;
  load_balancer_arn: string;
  port: number;
  protocol: string;
  /** What the listener says besides its port and protocol; its default actions live in its default rule. */
  doc: string;
  created_at: number;
}

export interface ListenerRuleRow {
  arn: string;
  listener_arn: string;
  load_balancer_arn: string;
  /** 1 to 50000; null for the listener's default rule. */
  priority: number | null;
  /** Conditions and actions. */
  doc: string;
  created_at: number;
}

export interface RuleTargetGroupRow {
  rule_arn: string;
  target_group_arn: string;
  load_balancer_arn: string;
}

/** A target registered in a target group: an IP address (or instance id) and port. */
export interface LbTargetRow {
  target_group_arn: string;
  target_id: string;
  port: number;
  availability_zone: string | null;
  registered_at: number;
  /** Set when deregistered: it drains until then, and is gone after. */
  draining_until: number | null;
}
