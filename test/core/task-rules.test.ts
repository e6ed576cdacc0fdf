import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignProviders } from '../../src/core/ecs/capacity-placement.ts';
import { type ContainerProgress, readiness, stopWaves } from '../../src/core/ecs/container-order.ts';
import { taskHealth } from '../../src/core/ecs/task-health.ts';
import { canMove, TASK_STATUSES } from '../../src/core/ecs/task-status.ts';

test('capacity providers: base first, then by weight', () => {
  const strategy = [
    { capacityProvider: 'FARGATE', base: 2, weight: 1 },
    { capacityProvider: 'FARGATE_SPOT', weight: 3 },
  ];
  const picks = assignProviders(strategy, 10);
  assert.deepEqual(picks.slice(0, 2), ['FARGATE', 'FARGATE']);
  assert.equal(picks.filter((p) => p === 'FARGATE').length, 4, '2 base + 2 of the 8 weighted 1:3');
  assert.equal(picks.filter((p) => p === 'FARGATE_SPOT').length, 6);
  assert.deepEqual(
    assignProviders(strategy, 2, { FARGATE: 2, FARGATE_SPOT: 0 }),
    ['FARGATE_SPOT', 'FARGATE_SPOT'],
    'running tasks count',
  );
  assert.throws(
    () => assignProviders([{ capacityProvider: 'FARGATE', weight: 0 }], 1),
    /weight value greater than zero/,
  );
});

test('dependsOn conditions', () => {
  const p = (name: string, x: Partial<ContainerProgress>): [string, ContainerProgress] => [
    name,
    { name, started: false, exited: false, exitCode: undefined, health: 'UNKNOWN', ...x },
  ];
  const on = (condition: string) => ({
    name: 'app',
    dependsOn: [{ containerName: 'dep', condition: condition as 'START' }],
  });
  const states = (x: Partial<ContainerProgress>) => new Map([p('dep', x)]);
  assert.equal(readiness(on('START'), states({})).state, 'wait');
  assert.equal(readiness(on('START'), states({ started: true })).state, 'ready');
  assert.equal(readiness(on('COMPLETE'), states({ started: true })).state, 'wait');
  assert.equal(
    readiness(on('COMPLETE'), states({ started: true, exited: true, exitCode: 3 })).state,
    'ready',
  );
  assert.equal(readiness(on('SUCCESS'), states({ started: true, exited: true, exitCode: 3 })).state, 'never');
  assert.equal(readiness(on('SUCCESS'), states({ started: true, exited: true, exitCode: 0 })).state, 'ready');
  assert.equal(readiness(on('HEALTHY'), states({ started: true, health: 'UNHEALTHY' })).state, 'wait');
  assert.equal(readiness(on('HEALTHY'), states({ started: true, health: 'HEALTHY' })).state, 'ready');
  assert.equal(readiness(on('HEALTHY'), states({ started: true, exited: true })).state, 'never');
});

test('containers stop in reverse dependency order', () => {
  const waves = stopWaves([
    { name: 'db' },
    { name: 'app', dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] },
    { name: 'proxy', dependsOn: [{ containerName: 'app', condition: 'START' }] },
    { name: 'lone' },
  ]);
  assert.deepEqual(waves, [['proxy', 'lone'], ['app'], ['db']]);
});

test('task health follows the essential containers with health checks', () => {
  const c = (essential: boolean, hasHealthCheck: boolean, health: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN') => ({
    essential,
    hasHealthCheck,
    health,
  });
  assert.equal(taskHealth([c(true, false, 'UNKNOWN')]), 'UNKNOWN');
  assert.equal(
    taskHealth([c(true, true, 'HEALTHY'), c(false, true, 'UNHEALTHY')]),
    'HEALTHY',
    'a non-essential one does not count then',
  );
  assert.equal(
    taskHealth([c(true, false, 'UNKNOWN'), c(false, true, 'UNHEALTHY')]),
    'UNHEALTHY',
    'it counts when no essential one has a check',
  );
  assert.equal(taskHealth([c(true, true, 'HEALTHY'), c(true, true, 'UNKNOWN')]), 'UNKNOWN');
  assert.equal(taskHealth([c(true, true, 'HEALTHY'), c(true, true, 'UNHEALTHY')]), 'UNHEALTHY');
});

test('the task lifecycle only moves forward', () => {
  for (const [i, from] of TASK_STATUSES.entries()) {
    for (const [j, to] of TASK_STATUSES.entries()) {
      if (canMove(from, to)) assert.ok(j > i, `${from} -> ${to}`);
    }
  }
  assert.ok(canMove('RUNNING', 'DEACTIVATING'));
  assert.ok(!canMove('RUNNING', 'STOPPED'));
});
