/**
 * The runc id of a task's container, as ECS's `runtimeId` shows it: the task id and a number
 * from the container name. Derived, never stored, so a restarted agent finds its containers.
 */
export function runtimeId(taskId: string, containerName: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < containerName.length; i++) {
    h ^= containerName.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${taskId}-${h}`;
}

/** The task id of a runtime id made by runtimeId(), or undefined for another container. */
export function taskIdOf(id: string): string | undefined {
  const m = /^([0-9a-f]{32})-\d+$/.exec(id);
  return m?.[1];
}
