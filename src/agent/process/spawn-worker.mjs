// The spawn worker: a small Node process that forks on behalf of the agent, because a fork
// copies the page tables of the process that forks, and this one is a few tens of MB where the
// server is hundreds. Plain JavaScript without tsx or dependencies, so it stays that small.
//
// Protocol, one JSON object per line. In, on stdin:
//   {"op":"run","id":1,"request":SpawnRequest,"notifySpawn":true}  (bytes of input as inputBase64)
//   {"op":"kill","id":1,"signal":"SIGKILL"}   {"op":"release","id":1}  (the start pipe)
// Out, on stdout: {"id":1,"spawned":<pid>} when asked, then {"id":1,"result":SpawnResult} or
// {"id":1,"error":{"message":"...","code":"ENOENT"}} when the program could not start.
// It exits when stdin closes: its parent is gone, or done with it.
import { readJsonLines, writeJsonLine } from './json-lines.mjs';
import { spawnProcess } from './spawn-process.mjs';

const running = new Map();

function send(message) {
  writeJsonLine(process.stdout, message);
}

function run({ id, request, notifySpawn }) {
  const { inputBase64, ...rest } = request;
  const spawnRequest =
    inputBase64 === undefined ? rest : { ...rest, input: Buffer.from(inputBase64, 'base64') };
  let handle;
  try {
    handle = spawnProcess(spawnRequest, notifySpawn ? (pid) => send({ id, spawned: pid }) : undefined);
  } catch (error) {
    send({ id, error: { message: error.message } });
    return;
  }
  running.set(id, handle);
  handle.done
    .then(
      (result) => send({ id, result }),
      (error) => send({ id, error: { message: error.message, code: error.code } }),
    )
    .finally(() => running.delete(id));
}

function receive(message) {
  if (message.op === 'run') run(message);
  else if (message.op === 'kill') running.get(message.id)?.kill(message.signal);
  else if (message.op === 'release') running.get(message.id)?.release();
}

readJsonLines(process.stdin, receive);
// Programs still running are left to finish, as they would be had their parent forked them.
process.stdin.on('end', () => process.exit(0));
process.stdout.on('error', () => process.exit(0));
// A Ctrl-C or a service stop signals the whole process group; the server may still need us to
// shut down cleanly, and we leave when it closes our stdin.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
