import { startTaskNeargate, registerTask, runTask, waitForTask, isRunning, SERVE } from './support/tasks.ts';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
const ng = await startTaskNeargate();
const td = await registerTask(ng.client, [{ name: 'app', command: SERVE }]);
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  const t = await runTask(ng.client, td);
  const r = await waitForTask(ng.client, t.taskArn!, isRunning);
  console.log('total', (performance.now() - t0).toFixed(1), 'internal', r.startedAt!.getTime() - r.createdAt!.getTime());
  await ng.client.send(new StopTaskCommand({ task: t.taskArn! }));
}
await ng.stop();
process.exit(0);
