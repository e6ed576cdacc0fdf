import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  circuitBreakerThreshold,
  type DeploymentTasks,
  planRollingStep,
} from '../../src/core/ecs/rolling-update.ts';

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const deployment = (id: string, primary: boolean, d: Partial<DeploymentTasks> = {}): DeploymentTasks => ({
  id,
  primary,
  pending: [],
  healthy: [],
  unhealthy: [],
  ...d,
});

test('the circuit breaker trips at half the desired count, at least 3 and at most 200, as ECS documents', () => {
  assert.deepEqual(
    [0, 1, 2, 6, 7, 10, 399, 400, 1000].map(circuitBreakerThreshold),
    [3, 3, 3, 3, 4, 5, 200, 200, 200],
  );
});

test('a rolling step with the defaults (100% healthy, 200% at most) starts a full new set first', () => {
  const limits = { desiredCount: 4, minimumHealthyPercent: 100, maximumPercent: 200 };
  const old = deployment('old', false, { healthy: ids('o', 4) });
  assert.deepEqual(planRollingStep(limits, [deployment('new', true), old]), { start: 4, stop: [] });
  // Once new tasks are healthy, old ones go, one per healthy new task beyond the minimum.
  const step = planRollingStep(limits, [
    deployment('new', true, { healthy: ids('n', 2), pending: ids('p', 2) }),
    old,
  ]);
  assert.equal(step.start, 0);
  assert.deepEqual(
    step.stop.map((s) => s.taskId),
    ['o0', 'o1'],
  );
});

test('maximumPercent rounds down and minimumHealthyPercent rounds up, as ECS rounds them', () => {
  // 3 tasks at 50% / 150%: at least 2 healthy (1.5 up), at most 4 tasks (4.5 down).
  const limits = { desiredCount: 3, minimumHealthyPercent: 50, maximumPercent: 150 };
  const step = planRollingStep(limits, [
    deployment('new', true),
    deployment('old', false, { healthy: ids('o', 3) }),
  ]);
  assert.deepEqual(
    step.stop.map((s) => s.taskId),
    ['o0'],
    'one old task may go while 2 stay healthy',
  );
  assert.equal(step.start, 1, 'it is RUNNING until its stop begins: 1 new one fits within 4 tasks');
  // The next step, once it is stopping: its room is free.
  const next = planRollingStep(limits, [
    deployment('new', true, { pending: ['n0'] }),
    deployment('old', false, { healthy: ['o1', 'o2'] }),
  ]);
  assert.deepEqual(next, { start: 1, stop: [] });
});

test('tasks told to stop count toward maximumPercent while still RUNNING or PENDING', () => {
  const limits = { desiredCount: 4, minimumHealthyPercent: 50, maximumPercent: 150, stoppingUp: 2 };
  const step = planRollingStep(limits, [
    deployment('new', true, { pending: ['n0', 'n1'] }),
    deployment('old', false, { healthy: ['o0', 'o1'] }),
  ]);
  assert.deepEqual(step, { start: 0, stop: [] }, '2 stopping + 4 up = 6, the most 150% of 4 allows');
  assert.equal(
    planRollingStep({ ...limits, stoppingUp: 0 }, [
      deployment('new', true, { pending: ['n0', 'n1'] }),
      deployment('old', false, { healthy: ['o0', 'o1'] }),
    ]).start,
    2,
  );
});

test('tasks that are not healthy never count toward the minimum, and those of old deployments go at once', () => {
  const limits = { desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 100 };
  const old = deployment('old', false, { healthy: ['h'], unhealthy: ['u'], pending: ['p'] });
  const step = planRollingStep(limits, [deployment('new', true), old]);
  assert.deepEqual(
    step.stop.map((s) => s.taskId),
    ['p', 'u'],
  );
  assert.equal(step.start, 0, 'the two stopped are still up in this step: no room within 100%');
  assert.equal(
    planRollingStep(limits, [deployment('new', true), deployment('old', false, { healthy: ['h'] })]).start,
    1,
    'once they are stopping, one new task fits beside the healthy one',
  );
});

test('a scale-in stops the least useful of the primary tasks first', () => {
  const limits = { desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200 };
  const primary = deployment('p', true, { pending: ['new'], unhealthy: ['sick'], healthy: ['a', 'b', 'c'] });
  assert.deepEqual(
    planRollingStep(limits, [primary]).stop.map((s) => s.taskId),
    ['new', 'sick', 'a'],
  );
});
