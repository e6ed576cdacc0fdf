import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Janitor } from '../../src/control/janitor.ts';
import { aws } from '../support/aws-cli.ts';
import { startTestNeargate, type TestNeargate } from '../support/neargate.ts';

const DAY_MS = 86_400_000;

let ng: TestNeargate;
before(async () => {
  ng = await startTestNeargate();
});
after(() => ng.stop());

const sm = (...args: string[]) => aws(ng.env, ['secretsmanager', ...args]);
/** The janitor as it will run `days` from now. */
const janitorIn = (days: number) =>
  new Janitor({
    store: ng.store,
    clock: { now: () => Date.now() + days * DAY_MS },
    log: pino({ level: 'silent' }),
  });

describe('deleted secrets leave when their recovery window ends', () => {
  test('the janitor removes a secret after its window, not before', async () => {
    for (const name of ['purge/week', 'purge/month']) {
      assert.equal((await sm('create-secret', '--name', name, '--secret-string', 'v')).code, 0);
    }
    assert.equal(
      (await sm('delete-secret', '--secret-id', 'purge/week', '--recovery-window-in-days', '7')).code,
      0,
    );
    assert.equal(
      (await sm('delete-secret', '--secret-id', 'purge/month')).code,
      0,
      'the default window is 30 days',
    );

    await janitorIn(6).tick();
    assert.ok(
      (await sm('describe-secret', '--secret-id', 'purge/week')).json.DeletedDate,
      'still in its window',
    );

    await janitorIn(8).tick();
    const gone = await sm('describe-secret', '--secret-id', 'purge/week');
    assert.match(
      gone.stderr,
      /\(ResourceNotFoundException\).*Secrets Manager can't find the specified secret\./,
    );
    assert.equal((await sm('restore-secret', '--secret-id', 'purge/week')).code, 254, 'too late to restore');
    assert.equal((await sm('create-secret', '--name', 'purge/week', '--secret-string', 'new')).code, 0);

    const month = await sm('describe-secret', '--secret-id', 'purge/month');
    assert.ok(month.json.DeletedDate);
    assert.equal((await sm('restore-secret', '--secret-id', 'purge/month')).code, 0);
    await janitorIn(31).tick();
    assert.equal(
      (await sm('get-secret-value', '--secret-id', 'purge/month')).json.SecretString,
      'v',
      'a restored secret is no longer due',
    );
  });
});
