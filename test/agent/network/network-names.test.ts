import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkError } from '../../../src/agent/network/network-error.ts';
import { NetworkNames } from '../../../src/agent/network/network-names.ts';

describe('NetworkNames', () => {
  const taskId = '0123456789abcdef0123456789abcdef'; // the shape of an ECS task id

  it('derives short, stable, distinct interface names', () => {
    for (const prefix of ['ng', 'a', 'nt42']) {
      const names = new NetworkNames(prefix);
      const veth = names.hostVeth(taskId);
      const bridge = names.bridge('subnet-0a1b2c3d4e5f60718');
      assert.equal(veth.length, 15);
      assert.equal(bridge.length, 15);
      assert.match(veth, new RegExp(`^${prefix}-v[0-9a-f]+$`));
      assert.match(bridge, new RegExp(`^${prefix}-b[0-9a-f]+$`));
      assert.equal(names.hostVeth(taskId), veth);
      assert.notEqual(names.hostVeth(`${taskId.slice(0, -1)}0`), veth);
      assert.ok(names.isOwnInterfaceName(veth) && names.isOwnInterfaceName(bridge));
    }
  });

  it('names namespaces after the task and reads the task back', () => {
    const names = new NetworkNames();
    assert.equal(names.table, 'neargate');
    assert.equal(names.netnsPath(taskId), `/run/netns/ng-${taskId}`);
    assert.equal(names.taskIdOfNetns(`ng-${taskId}`), taskId);
    assert.equal(names.taskIdOfNetns(`ngt-${taskId}`), undefined);
    assert.equal(names.taskIdOfNetns('cni-1234'), undefined);
    assert.equal(new NetworkNames('nt1').table, 'neargate_nt1');
  });

  it('refuses prefixes and ids that could escape a name', () => {
    for (const prefix of ['', 'toolong', 'Ng', 'n-g', '1ng'])
      assert.throws(() => new NetworkNames(prefix), TypeError);
    const names = new NetworkNames();
    for (const id of ['', '../etc', 'a b', 'a"b', 'x'.repeat(129), '-leading']) {
      assert.throws(() => names.netnsName(id), NetworkError, id);
      assert.throws(() => names.hostVeth(id), NetworkError, id);
    }
  });
});
