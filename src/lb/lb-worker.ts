/**
 * The thread of WorkerLbDataPlane: a LocalLbDataPlane driven by messages (see the types in
 * worker-lb-data-plane.ts). Its logs go to the main thread as pino lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { HostsFile } from './hosts-file.ts';
import { LocalLbDataPlane } from './local-lb-data-plane.ts';
import type { HostAddresses } from './task-address.ts';
import {
  type FromLbWorker,
  type HostCall,
  type LbWorkerData,
  receivedError,
  sentError,
  type ToLbWorker,
} from './worker-lb-data-plane.ts';

const port = parentPort;
if (port === null) throw new Error('lb-worker.ts runs as a worker thread');
const data = workerData as LbWorkerData;
const send = (message: FromLbWorker) => port.postMessage(message);

const hostCalls = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextHostCall = 1;
const hostCall = (call: HostCall) =>
  new Promise<void>((resolve, reject) => {
    const id = nextHostCall++;
    hostCalls.set(id, { resolve, reject });
    send({ op: 'host', id, call });
  });
const hostAddresses: HostAddresses = {
  ensure: (ip) => hostCall({ method: 'ensure', ip }),
  remove: (ip) => hostCall({ method: 'remove', ip }),
  openPort: (ip, p) => hostCall({ method: 'openPort', ip, port: p }),
  closePort: (ip, p) => hostCall({ method: 'closePort', ip, port: p }),
};

const log = pino(
  { level: data.logLevel, base: null },
  { write: (line: string) => send({ op: 'log', line }) },
);
const dp = new LocalLbDataPlane({
  log,
  ...(data.hostsFile && { hostsFile: new HostsFile(data.hostsFile) }),
  ...(data.hostAddresses && { hostAddresses }),
  ...(data.listenerGraceMs !== undefined && { listenerGraceMs: data.listenerGraceMs }),
});
dp.onHealthChange((targetGroupArn) =>
  send({ op: 'health', targetGroupArn, health: dp.targetHealth(targetGroupArn) }),
);

port.on('message', (message: ToLbWorker) => {
  switch (message.op) {
    case 'apply':
      void reply(message.id, async () => {
        try {
          await dp.apply(message.plan);
        } finally {
          send({ op: 'state', state: dp.snapshot() });
        }
      });
      return;
    case 'close':
      void reply(message.id, () => dp.close());
      return;
    case 'host-done': {
      const call = hostCalls.get(message.id);
      hostCalls.delete(message.id);
      if (message.error === undefined) call?.resolve();
      else call?.reject(receivedError(message.error));
      return;
    }
  }
});

async function reply(id: number, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    send({ op: 'done', id });
  } catch (error) {
    send({ op: 'done', id, error: sentError(error) });
  }
}
