import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseK8sLog } from '../../src/agent/logs/k8s-file.ts';
import { logDestination } from '../../src/control/log-destination.ts';
import {
  AwslogsOptionsError,
  awslogsConfig,
  awslogsStreamName,
  parseSize,
} from '../../src/core/logs/awslogs-options.ts';
import { judgeBatch } from '../../src/core/logs/event-batch.ts';
import {
  assembleEvents,
  MAX_EVENT_MESSAGE_BYTES,
  splitMessage,
} from '../../src/core/logs/log-line-events.ts';
import { strftimeToRegexSource } from '../../src/core/logs/strftime-pattern.ts';

const rec = (time: string, stream: string, tag: string, text: string) => `${time} ${stream} ${tag} ${text}\n`;

describe("conmon's k8s-file records", () => {
  test('times with their zone, to the millisecond; partial records joined per stream', () => {
    const text =
      rec('2024-05-01T10:00:00.123456789+02:00', 'stdout', 'F', 'one') +
      rec('2024-05-01T08:00:01.5Z', 'stdout', 'P', 'lo') +
      rec('2024-05-01T08:00:01.600000000+00:00', 'stderr', 'F', 'err') +
      rec('2024-05-01T08:00:01.700000000+00:00', 'stdout', 'F', 'ng line');
    const parsed = parseK8sLog(Buffer.from(text), 100, { ended: false, force: false });
    assert.deepEqual(
      parsed.lines.map((l) => [l.time, l.stream, l.text]),
      [
        [Date.UTC(2024, 4, 1, 8, 0, 0, 123), 'stdout', 'one'],
        [Date.UTC(2024, 4, 1, 8, 0, 1, 500), 'stdout', 'long line'],
        [Date.UTC(2024, 4, 1, 8, 0, 1, 600), 'stderr', 'err'],
      ],
    );
    assert.equal(parsed.next, 100 + Buffer.byteLength(text));
    assert.equal(parsed.lines[1]!.end, parsed.next, 'a joined line ends after its last record');
  });

  test('a line still in pieces holds back the position; an ended container completes it', () => {
    const done = rec('2024-05-01T08:00:00Z', 'stdout', 'F', 'done');
    const text =
      done +
      rec('2024-05-01T08:00:01Z', 'stdout', 'P', 'half') +
      rec('2024-05-01T08:00:02Z', 'stderr', 'F', 'later');
    const open = parseK8sLog(Buffer.from(text), 0, { ended: false, force: false });
    assert.deepEqual(
      open.lines.map((l) => l.text),
      ['done'],
    );
    assert.equal(
      open.next,
      Buffer.byteLength(done),
      'reading resumes at the unfinished line, so nothing after it is shipped twice',
    );
    const ended = parseK8sLog(Buffer.from(text), 0, { ended: true, force: false });
    assert.deepEqual(
      ended.lines.map((l) => l.text),
      ['done', 'half', 'later'],
    );
  });

  test('a record cut by the read is left for the next read', () => {
    const whole = rec('2024-05-01T08:00:00Z', 'stdout', 'F', 'a');
    const parsed = parseK8sLog(Buffer.from(`${whole}2024-05-01T08:00:01Z stdout F b`), 0, {
      ended: false,
      force: false,
    });
    assert.deepEqual(
      parsed.lines.map((l) => l.text),
      ['a'],
    );
    assert.equal(parsed.next, Buffer.byteLength(whole));
  });
});

describe('lines into events, as Docker awslogs makes them', () => {
  const line = (offset: number, time: number, text: string) => ({ offset, end: offset + 10, time, text });

  test('one event per non-empty line', () => {
    const out = assembleEvents([line(0, 1, 'a'), line(10, 2, ''), line(20, 3, 'b')], {
      from: 0,
      now: 10,
      flush: false,
    });
    assert.deepEqual(out.events, [
      { timestamp: 1, message: 'a' },
      { timestamp: 3, message: 'b' },
    ]);
    assert.equal(out.resumeAt, 30);
  });

  test('multiline: an open event waits for the next start, the flush interval or the end', () => {
    const lines = [
      line(0, 1000, 'INFO a'),
      line(10, 1001, ' x'),
      line(20, 1002, 'INFO b'),
      line(30, 1003, ' y'),
    ];
    const multiline = /^INFO/;
    const open = assembleEvents(lines, { multiline, from: 0, now: 2000, flush: false });
    assert.deepEqual(open.events, [{ timestamp: 1000, message: 'INFO a\n x\n' }]);
    assert.equal(open.resumeAt, 20, 'the open event is read again next time');
    assert.deepEqual(assembleEvents(lines, { multiline, from: 0, now: 7002, flush: false }).events.at(-1), {
      timestamp: 1002,
      message: 'INFO b\n y\n',
    });
    assert.equal(assembleEvents(lines, { multiline, from: 0, now: 2000, flush: true }).resumeAt, 40);
    const late = assembleEvents([line(0, 0, 'INFO a'), line(10, 6000, 'late')], {
      multiline,
      from: 0,
      now: 6001,
      flush: true,
    });
    assert.deepEqual(
      late.events.map((e) => e.message),
      ['INFO a\n', 'late\n'],
      'a line after the flush interval starts a new event',
    );
  });

  test('long lines are split at 262,118 bytes, between characters', () => {
    const pieces = splitMessage('é'.repeat(MAX_EVENT_MESSAGE_BYTES));
    assert.equal(pieces.length, 2);
    assert.ok(pieces.every((p) => Buffer.byteLength(p) <= MAX_EVENT_MESSAGE_BYTES));
    assert.equal(pieces.join(''), 'é'.repeat(MAX_EVENT_MESSAGE_BYTES));
  });
});

describe('awslogs options', () => {
  test('stream names, defaults and Docker sizes', () => {
    const cfg = awslogsConfig({
      'awslogs-group': 'g',
      'awslogs-stream-prefix': 'web',
      'awslogs-create-group': 'true',
    });
    assert.equal(awslogsStreamName(cfg, 'app', 'abc', 'rid'), 'web/app/abc');
    assert.equal(awslogsStreamName(awslogsConfig({ 'awslogs-group': 'g' }), 'app', 'abc', 'rid'), 'rid');
    assert.equal(cfg.createGroup, true);
    assert.equal(cfg.mode, undefined);
    assert.equal(cfg.maxBufferBytes, 10 * 1024 * 1024);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('25MiB'), 25 * 1024 * 1024);
    assert.throws(() => awslogsConfig({ 'awslogs-group': 'g', mode: 'sometimes' }), AwslogsOptionsError);
    assert.throws(
      () =>
        awslogsConfig({
          'awslogs-group': 'g',
          'awslogs-datetime-format': '%Y',
          'awslogs-multiline-pattern': 'x',
        }),
      /at the same time/,
    );
  });

  test("lines go to awslogs-region, or the task's region without it, in the task's account", () => {
    const scope = { account: '111122223333', region: 'us-east-1' };
    const container = (options: Record<string, string>) => ({
      name: 'app',
      logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': 'g', ...options } },
    });
    const there = logDestination(scope, 'abc', container({ 'awslogs-region': 'eu-west-1' }));
    assert.deepEqual(there?.scope, { account: '111122223333', region: 'eu-west-1' });
    assert.deepEqual(logDestination(scope, 'abc', container({}))?.scope, scope);
    assert.equal(
      logDestination(scope, 'abc', { name: 'app', logConfiguration: { logDriver: 'json-file' } }),
      undefined,
    );
  });

  test("strftime formats become Docker's regular expressions", () => {
    const re = new RegExp(strftimeToRegexSource('\\[%b %d, %Y %H:%M:%S\\]'));
    assert.ok(re.test('[May 01, 2017 19:00:01] A message was logged'));
    assert.ok(!re.test('A message was logged'));
    assert.equal(strftimeToRegexSource('%Y-%Q'), '\\d{4}-');
  });
});

describe('PutLogEvents batches', () => {
  const now = 1_000 * 86_400_000;
  test("too old, expired and too new events are set aside, with AWS's indexes", () => {
    const v = judgeBatch(
      [
        { timestamp: now - 15 * 86_400_000, message: 'old' },
        { timestamp: now - 2 * 86_400_000, message: 'expired' },
        { timestamp: now, message: 'ok' },
        { timestamp: now + 3 * 3_600_000, message: 'new' },
      ],
      now,
      1,
    );
    assert.ok(v.ok);
    assert.deepEqual(
      v.accepted.map((e) => e.message),
      ['ok'],
    );
    assert.deepEqual(v.rejected, {
      tooOldLogEventEndIndex: 1,
      expiredLogEventEndIndex: 2,
      tooNewLogEventStartIndex: 3,
    });
  });
});
