import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ip } from '../../../src/agent/network/ip.ts';
import { NetworkError } from '../../../src/agent/network/network-error.ts';
import { Nft } from '../../../src/agent/network/nft.ts';
import type { RunCommand } from '../../../src/agent/network/run-command.ts';
import { runCommand } from '../../../src/agent/network/run-command.ts';

function recorder(stdout = '') {
  const calls: Array<{ file: string; args: readonly string[]; input: string | undefined }> = [];
  const run: RunCommand = async (file, args, options = {}) => {
    calls.push({ file, args, input: options.input });
    return stdout;
  };
  return { calls, run };
}

describe('Ip and Nft', () => {
  it('send a whole batch through one process, in the namespace asked for', async () => {
    const { calls, run } = recorder();
    const ip = new Ip({ run });
    await ip.batch(['link set lo up', 'addr replace 10.0.0.4/24 dev eth0'], { netns: 'ng-t1' });
    await ip.batch([]);
    await ip.batch(['link del x'], { force: true });
    assert.deepEqual(calls, [
      {
        file: 'ip',
        args: ['-n', 'ng-t1', '-batch', '-'],
        input: 'link set lo up\naddr replace 10.0.0.4/24 dev eth0\n',
      },
      { file: 'ip', args: ['-force', '-batch', '-'], input: 'link del x\n' },
    ]);
    await assert.rejects(ip.batch(['link set lo up\nlink del eth0']), TypeError);
  });

  it('read JSON, including the empty output of a filter that matched nothing', async () => {
    assert.deepEqual(await new Ip({ run: recorder('[{"ifname":"lo"}]\n').run }).json(['link', 'show']), [
      { ifname: 'lo' },
    ]);
    assert.deepEqual(await new Ip({ run: recorder('').run }).json(['link', 'show', 'type', 'bridge']), []);
    const nft = new Nft({ run: recorder('{"nftables": [{"metainfo": {}}]}').run });
    assert.deepEqual(await nft.json(['list', 'tables']), [{ metainfo: {} }]);
  });

  it('report a failed command with its stderr and exit code', async () => {
    await assert.rejects(runCommand('sh', ['-c', 'echo oops >&2; exit 3']), (error: unknown) => {
      assert.ok(error instanceof NetworkError);
      assert.equal(error.code, 'CommandFailed');
      assert.equal(error.data.code, 3);
      assert.equal(error.data.stderr, 'oops');
      return true;
    });
    assert.equal(await runCommand('cat', [], { input: 'piped' }), 'piped');
    await assert.rejects(runCommand('sleep', ['5'], { signal: AbortSignal.timeout(50) }), {
      name: 'TimeoutError',
    });
  });
});
