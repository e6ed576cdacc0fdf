import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesFilter, parseFilterPattern } from '../../src/core/logs/filter-pattern.ts';
import { FilterPatternError } from '../../src/core/logs/filter-pattern-error.ts';

const matches = (pattern: string, message: string) => matchesFilter(parseFilterPattern(pattern), message);
/** Which of the messages the pattern matches, by their 1-based number (as AWS's examples count them). */
const which = (pattern: string, messages: readonly string[]) =>
  messages.flatMap((m, i) => (matches(pattern, m) ? [i + 1] : []));

// The examples of AWS's "Filter pattern syntax" page.
describe('filter patterns: terms in unstructured events', () => {
  test('the empty pattern, and "", match everything', () => {
    assert.ok(matches('', 'anything'));
    assert.ok(matches('""', 'anything'));
    assert.ok(matches('  ', ''));
  });

  test('a term matches where it appears, even inside a word, case sensitive', () => {
    assert.ok(matches('ERROR', '[ERROR] A fatal exception has occurred'));
    assert.ok(matches('ERROR', 'Exiting with ERRORCODE: -1'));
    assert.ok(!matches('ERROR', 'error: lowercase'));
  });

  test("-term excludes, also written apart as AWS's own example writes it", () => {
    assert.ok(!matches('"ERROR" - "Exiting"', 'Exiting with ERRORCODE: -1'));
    assert.ok(matches('"ERROR" - "Exiting"', '[ERROR] A fatal exception has occurred'));
  });

  test('several terms must all appear, in any order', () => {
    assert.ok(matches('ERROR Exception', '[ERROR] Caught IllegalArgumentException'));
    assert.ok(matches('ERROR Exception', '[ERROR] Unhandled Exception'));
    assert.ok(matches('Failed to process the request', '[WARN] Failed to process the request'));
    assert.ok(matches('Failed to process the request', 'the request: Failed to process'));
    assert.ok(!matches('ERROR Exception', '[ERROR] Caught it'));
  });

  test('a quoted phrase matches exactly', () => {
    assert.ok(matches('"Failed to process"', 'Unable to continue: Failed to process the request'));
    assert.ok(!matches('"Failed to process"', 'Failed, to process'));
    assert.ok(matches('"ERROR 401"', '[ERROR 401] UNAUTHORIZED'));
  });

  test('? terms: any of them; ERROR -WARN', () => {
    const events = ['ERROR WARN message', 'ERROR message', 'WARN message'];
    assert.deepEqual(which('ERROR', events), [1, 2]);
    assert.deepEqual(which('?ERROR ?WARN', events), [1, 2, 3]);
    assert.deepEqual(which('ERROR WARN', events), [1]);
    assert.deepEqual(which('ERROR -WARN', events), [2]);
  });

  test('%regex%', () => {
    assert.deepEqual(
      which('%AUTHORIZED%', ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST', 'nope']),
      [1, 2],
    );
    assert.ok(matches('%colou?r%', 'the color'));
    assert.ok(matches('%^\\[ERROR%', '[ERROR] x'));
    assert.ok(!matches('%^\\[ERROR%', 'x [ERROR]'));
  });

  test('terms with characters other than letters, digits and _ must be quoted, as AWS refuses them', () => {
    for (const bad of ['user@example.com', 'ERROR:', '!(', 'a.b']) {
      assert.throws(
        () => parseFilterPattern(bad),
        (e) => e instanceof FilterPatternError && e.message.includes(`'${bad}'`),
      );
    }
    assert.throws(() => parseFilterPattern('%(group)%'), FilterPatternError);
    assert.throws(() => parseFilterPattern('"unterminated'), FilterPatternError);
    assert.ok(matches('"user@example.com"', 'login user@example.com ok'));
  });
});

describe('filter patterns: JSON events', () => {
  const doc = JSON.stringify({
    eventType: 'UpdateTrail',
    sourceIPAddress: '111.111.111.111',
    arrayKey: ['value', 'another value'],
    objectList: [
      { name: 'a', id: 1 },
      { name: 'b', id: 2 },
    ],
    SomeObject: null,
    ThisFlag: true,
  });

  test("AWS's selector examples", () => {
    for (const p of [
      '{ $.eventType = "UpdateTrail" }',
      '{ $.sourceIPAddress != 123.123.* }',
      '{ $.arrayKey[0] = "value" }',
      '{ $.objectList[1].id = 2 }',
      '{ $.SomeObject IS NULL }',
      '{ $.SomeOtherObject NOT EXISTS }',
      '{ $.ThisFlag IS TRUE }',
      '{ $.eventType EXISTS }',
      '{ $.eventType = Update* }',
      '{ $.eventType = *Trail }',
      '{ $.eventType = *date* }',
      '{ $.eventType = %^Upd% }',
    ]) {
      assert.ok(matches(p, doc), p);
    }
    for (const p of [
      '{ $.eventType = "CreateTrail" }',
      '{ $.sourceIPAddress != 111.111.* }',
      '{ $.arrayKey[2] = "value" }',
      '{ $.objectList[1].id = 1 }',
      '{ $.eventType IS NULL }',
      '{ $.eventType NOT EXISTS }',
      '{ $.ThisFlag IS FALSE }',
      '{ $.SomeOtherObject EXISTS }',
      '{ $.eventType = Up*ail }',
    ]) {
      assert.ok(!matches(p, doc), p);
    }
  });

  test('a selector that reaches an array or object matches neither = nor !=', () => {
    const users = '{"users": [1, 2, 3]}';
    assert.ok(!matches('{ $.users = 1 }', users));
    assert.ok(!matches('{ $.users != 1 }', users));
  });

  const compound = JSON.stringify({
    user: { id: 1, email: 'John.Stiles@example.com' },
    users: [
      { id: 2, email: 'John.Doe@example.com' },
      { id: 3, email: 'Jane.Doe@example.com' },
    ],
    actions: ['GET', 'PUT', 'DELETE'],
    coordinates: [
      [0, 1, 2],
      [4, 5, 6],
      [7, 8, 9],
    ],
  });

  test("AWS's compound examples: && binds tighter than ||, parentheses group", () => {
    assert.ok(matches('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', compound));
    assert.ok(
      !matches('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', compound),
    );
    assert.ok(
      matches(
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
        compound,
      ),
    );
    assert.ok(
      !matches(
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
        compound,
      ),
    );
  });

  test('numeric comparisons', () => {
    const e = JSON.stringify({
      latency: 600,
      numbers: [5, 0.001],
      errorCode: 400,
      processes: [0, 0, 0, 0, { averageRuntime: 55.5 }],
    });
    for (const p of [
      '{ $.latency >= 500 }',
      '{ $.numbers[0] < 10e3 }',
      '{ $.numbers[1] < 10e-3 }',
      '{ $.processes[4].averageRuntime <= 55.5 }',
      '{ $.errorCode = 400 }',
      '{ $.errorCode != 500 }',
      '{ $.latency > +100 }',
    ]) {
      assert.ok(matches(p, e), p);
    }
    assert.ok(!matches('{ $.latency > 600 }', e));
    assert.ok(matches('{ $.level = "error" && $.latency > 100 }', '{"level":"error","latency":120}'));
    assert.ok(!matches('{ $.level = "error" && $.latency > 100 }', '{"level":"error","latency":80}'));
  });

  test('OR across JSON values; events that are not JSON never match', () => {
    assert.deepEqual(
      which('{ $.foo = bar || $.foo = baz }', [
        '{"foo": "bar"}',
        '{"foo": "baz"}',
        '{"foo": "qux"}',
        'foo = bar',
      ]),
      [1, 2],
    );
  });

  test('bad JSON patterns are refused', () => {
    for (const bad of [
      '{ $.a = }',
      '{ a = 1 }',
      '{ $.a = 1',
      '{ $.a > "x" }',
      '{ $.a = b@c }',
      '{ $.a IS MAYBE }',
      '{ ($.a = 1 }',
    ]) {
      assert.throws(() => parseFilterPattern(bad), FilterPatternError, bad);
    }
  });
});

describe('filter patterns: space-delimited events', () => {
  const apache = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 404 4355',
  ];

  test('fields by name; [...] and "..." are one field each', () => {
    assert.deepEqual(
      which('[ip, user, username, timestamp, request, status_code, bytes]', apache),
      [1, 2, 3],
    );
    assert.deepEqual(which('[ip, user, username, timestamp, request, status_code]', apache), []);
    assert.deepEqual(
      which(
        '[ip, user, username, timestamp, request = "GET /index.html HTTP/1.0", status_code, bytes]',
        apache,
      ),
      [3],
    );
  });

  test('... stands for any number of fields', () => {
    assert.deepEqual(which('[..., status_code, bytes]', apache), [1, 2, 3]);
    assert.deepEqual(which('[ip, user, ..., status_code, bytes]', apache), [1, 2, 3]);
    assert.deepEqual(which('[ip, user, ...]', apache), [1, 2, 3]);
    assert.deepEqual(which('[..., status_code = 500, bytes]', apache), [2]);
  });

  test('conditions: numbers, wildcards, && and ||', () => {
    assert.deepEqual(
      which('[ip, user, username, timestamp, request, status_code, bytes > 4000]', apache),
      [2, 3],
    );
    assert.deepEqual(
      which('[ip, user, username, timestamp, request, status_code = 200, bytes]', apache),
      [1],
    );
    assert.deepEqual(which('[ip, user, username, timestamp, request, status_code = 4*, bytes]', apache), [3]);
    assert.deepEqual(
      which('[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]', apache),
      [3],
    );
    assert.deepEqual(
      which(
        '[ip, user, username, timestamp, request, status_code = 500 || status_code = 404, bytes]',
        apache,
      ),
      [2, 3],
    );
    assert.deepEqual(
      which(
        '[ip, user, username, timestamp, request, status_code != 200 && status_code != 404, bytes]',
        apache,
      ),
      [2],
    );
    assert.deepEqual(which('[..., request=*.html*, status_code=4*,]', apache), []);
    assert.deepEqual(which('[..., request=*.html*, status_code=4*, bytes]', apache), [3]);
    assert.deepEqual(which('[..., status_code = %5[0-9]{2}%, bytes]', apache), [2]);
  });

  test('w1 is the first word', () => {
    const events = ['ERROR WARN message', 'ERROR message', 'WARN message'];
    assert.deepEqual(which('[w1=ERROR, w2]', events), [2]);
    assert.deepEqual(which('[w1=ERROR || w1=WARN, w2]', events), [2, 3]);
    assert.deepEqual(which('[w1!=ERROR&&w1!=WARN, w2]', events), []);
  });

  test('bad space-delimited patterns are refused', () => {
    for (const bad of ['[a, b', '[]', '[a > x]', '[a = ]', '[a b]']) {
      assert.throws(() => parseFilterPattern(bad), FilterPatternError, bad);
    }
  });
});
