/**
 * What the host's task metadata endpoint asks the control plane, and what it gets back: plain
 * data both ways, so that it can cross a network once agents run on hosts of their own.
 */
export interface TaskMetadataSource {
  /** The task on this host whose ENI holds `ipv4`, unless it has STOPPED. */
  taskByAddress(ipv4: string): Promise<TaskMetadata | undefined>;
  /**
   * The task role credentials of the task whose ENI holds `ipv4`, when `credentialsId` is that
   * task's own; a fresh set when the current one nears its expiry.
   */
  roleCredentials(ipv4: string, credentialsId: string): Promise<RoleCredentials | undefined>;
}

/** A task as the control plane knows it (what DescribeTasks tells, and its plan). */
export interface TaskMetadata {
  taskId: string;
  taskArn: string;
  clusterArn: string;
  family: string;
  revision: number;
  /** ECS's lastStatus and desiredStatus (PROVISIONING ... STOPPED). */
  lastStatus: string;
  desiredStatus: string;
  cpuUnits: number;
  memoryMiB: number;
  /** Epoch milliseconds. */
  pullStartedAtMs?: number;
  pullStoppedAtMs?: number;
  executionStoppedAtMs?: number;
  availabilityZone: string;
  launchType: string;
  serviceName?: string;
  ephemeralStorageGiB: number;
  /** The task's tags, for `/taskWithTags`. */
  tags: Record<string, string>;
  network: {
    ipv4: string;
    macAddress: string;
    subnetCidr: string;
    privateDnsName: string;
  };
  containers: ContainerMetadata[];
}

export interface ContainerMetadata {
  name: string;
  containerArn: string;
  image: string;
  /** The manifest digest it was pulled at, once pulled. */
  imageDigest?: string;
  /** ECS's container lastStatus: PENDING, RUNNING or STOPPED. */
  lastStatus: string;
  exitCode?: number;
  cpuUnits: number;
  memoryMiB?: number;
  dockerLabels: Record<string, string>;
  logDriver?: string;
  logOptions?: Record<string, string>;
  ports: { containerPort: number; protocol: string }[];
  /** Set for containers with a health check. */
  healthStatus?: string;
}

/** One set of temporary credentials of a task's role. */
export interface RoleCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiresAtMs: number;
}
