import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskResolvConf } from '../../src/agent/task-files.ts';

const host = [
  '# managed by systemd-resolved',
  'nameserver 127.0.0.53',
  'nameserver 10.0.0.2',
  'options edns0 trust-ad',
  'search corp.example',
  '',
].join('\n');

test("a task's resolv.conf names the host's DNS server for tasks, keeping the host's search and options", () => {
  assert.equal(
    taskResolvConf(host, '169.254.169.253'),
    '# managed by systemd-resolved\noptions edns0 trust-ad\nsearch corp.example\nnameserver 169.254.169.253\n',
  );
});

test("without one, a task's resolv.conf keeps the host's nameservers a task can reach (no loopback ones)", () => {
  assert.equal(
    taskResolvConf(host, undefined),
    '# managed by systemd-resolved\nnameserver 10.0.0.2\noptions edns0 trust-ad\nsearch corp.example\n',
  );
  assert.equal(taskResolvConf('nameserver ::1\n', undefined), '');
  assert.equal(taskResolvConf('', '169.254.169.253'), 'nameserver 169.254.169.253\n');
});
