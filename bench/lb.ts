/**
 * Requests per second and latency through neargate's ALB data plane, in the same run as nginx
 * (Debian's) as a reverse proxy with upstream keepalive to the same two node:http targets, with
 * wrk on loopback: at saturation (wrk, many connections), and at a moderate fixed rate (an
 * open-loop generator of our own, bench/lb/paced-load.ts, as wrk2 is not packaged), where the
 * latency each proxy adds is its p99 less the p99 of the targets hit directly. Each proxy runs in
 * its own processes; subjects take turns, round after round, and the medians are reported. Also
 * measured: the usual Node proxy (node:http server, undici Pool or node:http Agent upstream), to
 * show why the data plane is hand-written. Needs nginx and wrk (`scripts/setup.sh bench`).
 *
 *   node --import tsx bench/lb.ts [--seconds 10] [--rounds 3] [--paced-rounds 5] [--connections 64]
 *     [--rate 500[,2000...]] [--nice -10]
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { markdownTable, record } from './results.ts';

const run = promisify(execFile);
const argText = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const arg = (name: string, dflt: number) => Number(argText(name, String(dflt)));
const SECONDS = arg('seconds', 10);
const ROUNDS = arg('rounds', 3);
const CONNECTIONS = arg('connections', 64);
/** The paced rates, requests per second to each URL. */
const RATES = argText('rate', '500').split(',').map(Number);
/**
 * Niceness for the benchmark and everything it starts (negative needs root). On a machine busy
 * with other work, -10 lets the measured processes run when they are ready, as on a quiet one.
 */
const NICE = arg('nice', 0);
/** Rounds of the moderate-rate runs, short enough to repeat more often than the saturation ones. */
const PACED_ROUNDS = arg('paced-rounds', 5);
if (NICE !== 0) setPriority(NICE);
const ROOT = new URL('..', import.meta.url).pathname;

for (const tool of ['nginx', 'wrk']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    process.stderr.write(`${tool} is missing: installing the bench packages\n`);
    const setup = spawnSync('bash', [join(ROOT, 'scripts/setup.sh'), 'bench'], { stdio: 'inherit' });
    if (setup.status !== 0) throw new Error('scripts/setup.sh bench failed (it needs root)');
  }
}

/**
 * For the benchmark's own tools (the load generator, the targets), not the proxies: V8's memory
 * reducer runs full collections of several ms in a process it takes for idle, as it takes one
 * doing a few hundred requests a second, and those pauses land on every subject alike.
 */
const QUIET_GC = ['--no-memory-reducer'];

const children: ChildProcess[] = [];
const dir = await mkdtemp(join(tmpdir(), 'neargate-bench-lb-'));
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Spawns a helper and waits for its first line of output. */
async function start(command: string, args: string[]): Promise<{ line: string; pid: number }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ line: out.slice(0, nl), pid: child.pid! });
    });
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)));
  });
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function waitListening(host: string, port: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${host}:${port}`);
}

/** CPU time (user and system, ms) used so far by these processes and their children (nginx's workers). */
function cpuMs(pids: readonly number[]): number {
  const all = new Set(pids);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(entry)?.[3]);
    if (all.has(ppid)) all.add(Number(entry));
  }
  let ticks = 0;
  for (const pid of all) {
    const f = statFields(String(pid));
    if (f) ticks += Number(f[13]) + Number(f[14]);
  }
  return ticks * (1000 / CLOCK_TICKS);
}

function statFields(pid: string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields count from after it.
    return ['', ''].concat(text.slice(text.lastIndexOf(')') + 2).split(' '));
  } catch {
    return undefined;
  }
}

/** The machine's CPU times so far, from /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal. */
function cpuTimes(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
}

/** Of the time between two cpuTimes(), the share the hypervisor ran other work instead of this VM. */
function stealShare(before: number[], after: number[]): number {
  const d = after.map((t, i) => t - before[i]!);
  const total = d.reduce((a, b) => a + b, 0);
  return total > 0 ? d[7]! / total : 0;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

async function startNginx(name: string, workers: string, port: number, targets: number[]): Promise<number> {
  const prefix = join(dir, name);
  await run('mkdir', ['-p', join(prefix, 'logs')]);
  const conf = join(prefix, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off;
worker_processes ${workers};
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  upstream targets {
${targets.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 128;
    keepalive_requests 100000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://targets;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
    }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitListening('127.0.0.1', port);
  return child.pid!;
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  /** The proxy's CPU time per request, in µs (NaN with no proxy). */
  cpuUs: number;
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new Error(`wrk latency '${text}'`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

async function wrk(
  url: string,
  connections: number,
  seconds: number,
  pids: readonly number[] = [],
): Promise<WrkResult> {
  const before = cpuMs(pids);
  const { stdout } = await run(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency', url],
    {
      maxBuffer: 1 << 20,
    },
  );
  const used = cpuMs(pids) - before;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(stdout)![1]!);
  const p99 = toMs(/\s99%\s+(\S+)/.exec(stdout)![1]!);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  if (/Non-2xx/.test(stdout) || socketErrors?.slice(1).some((n) => n !== '0')) {
    throw new Error(`wrk saw errors against ${url}:\n${stdout}`);
  }
  return { rps, p50, p99, cpuUs: pids.length === 0 ? Number.NaN : (used * 1000) / requests };
}

interface PacedResult {
  counted: number;
  errors: number;
  unanswered: number;
  /** Requests that waited for a connection: the proxy (or the machine) fell behind the rate. */
  waited: number;
  p50: number;
  p99: number;
  p999: number;
  lateP99: number;
}

/** The targets directly and `url`, driven together at `rate` each: the same seconds for both. */
async function pacedPair(
  rate: number,
  direct: string,
  url: string,
): Promise<{ direct: PacedResult; subject: PacedResult }> {
  const { stdout } = await run(
    process.execPath,
    [...QUIET_GC, '--import', 'tsx', 'bench/lb/paced-load.ts', String(rate), String(SECONDS), direct, url],
    { cwd: ROOT },
  );
  const [a, b] = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as PacedResult);
  return { direct: a!, subject: b! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

const load = loadavg()[0]!.toFixed(1);
const { ports: targets } = JSON.parse(
  (await start(process.execPath, [...QUIET_GC, '--import', 'tsx', 'bench/lb/backends.ts', '2'])).line,
) as { ports: number[] };
const albAddress = `127.${randomInt(100, 250)}.${randomInt(0, 256)}.1`;
const [albPort, rulesPort, nginx1Port, nginxAutoPort, undiciPort, agentPort] = await Promise.all([
  freePort(albAddress),
  freePort(albAddress),
  freePort('127.0.0.1'),
  freePort('127.0.0.1'),
  freePort('127.0.0.1'),
  freePort('127.0.0.1'),
]);
const targetArgs = targets.map(String);
const helper = async (file: string, ...args: string[]) =>
  (await start(process.execPath, ['--import', 'tsx', file, ...args])).pid;
const albPid = await helper('bench/lb/alb-process.ts', albAddress, String(albPort), '0', ...targetArgs);
const rulesPid = await helper('bench/lb/alb-process.ts', albAddress, String(rulesPort), '10', ...targetArgs);
const undiciPid = await helper(
  'bench/lb/alt-proxies.ts',
  'undici',
  '127.0.0.1',
  String(undiciPort),
  ...targetArgs,
);
const agentPid = await helper(
  'bench/lb/alt-proxies.ts',
  'agent',
  '127.0.0.1',
  String(agentPort),
  ...targetArgs,
);
const nginx1Pid = await startNginx('nginx-1', '1', nginx1Port!, targets);
const nginxAutoPid = await startNginx('nginx-auto', 'auto', nginxAutoPort!, targets);

const subjects = [
  {
    name: 'targets directly (one of the two, no proxy)',
    url: `http://127.0.0.1:${targets[0]}/`,
    paced: true,
    pids: [],
  },
  {
    name: '**neargate ALB** (default rule only)',
    url: `http://${albAddress}:${albPort}/`,
    paced: true,
    pids: [albPid],
  },
  {
    name: 'neargate ALB, 10 rules missed before the default',
    url: `http://${albAddress}:${rulesPort}/`,
    paced: false,
    pids: [rulesPid],
  },
  { name: 'nginx, 1 worker', url: `http://127.0.0.1:${nginx1Port}/`, paced: true, pids: [nginx1Pid] },
  {
    name: 'nginx, worker_processes auto (2)',
    url: `http://127.0.0.1:${nginxAutoPort}/`,
    paced: true,
    pids: [nginxAutoPid],
  },
  {
    name: 'node:http server + undici Pool',
    url: `http://127.0.0.1:${undiciPort}/`,
    paced: false,
    pids: [undiciPid],
  },
  {
    name: 'node:http server + node:http Agent',
    url: `http://127.0.0.1:${agentPort}/`,
    paced: false,
    pids: [agentPid],
  },
];

try {
  for (const s of subjects) await wrk(s.url, CONNECTIONS, 2); // warm up JITs and pools
  const saturation = new Map<string, WrkResult[]>();
  /** Paced results by rate and subject (see `key`). */
  const moderate = new Map<string, PacedResult[]>();
  /** Per proxy and rate: its p99 less the targets' own p99 in the same run. */
  const added = new Map<string, number[]>();
  const key = (rate: number, name: string) => `${rate} ${name}`;
  const push = <T>(map: Map<string, T[]>, k: string, value: T) => map.set(k, [...(map.get(k) ?? []), value]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of subjects) {
      const r = await wrk(s.url, CONNECTIONS, SECONDS, s.pids);
      push(saturation, s.name, r);
      process.stderr.write(`round ${round + 1} saturation ${s.name}: ${r.rps.toFixed(0)} req/s\n`);
    }
  }
  let waited = 0;
  const direct = subjects[0]!;
  /** Per paced run: the share of the cores' time the hypervisor gave to other work (steal). */
  const steals: number[] = [];
  for (let round = 0; round < PACED_ROUNDS; round++) {
    for (const rate of RATES) {
      for (const s of subjects.filter((x) => x.paced && x !== direct)) {
        const before = cpuTimes();
        const pair = await pacedPair(rate, direct.url, s.url);
        const steal = stealShare(before, cpuTimes());
        steals.push(steal);
        if ([pair.direct, pair.subject].some((r) => r.errors > 0 || r.unanswered > 0)) {
          throw new Error(`paced load saw errors: ${JSON.stringify(pair)}`);
        }
        waited += pair.direct.waited + pair.subject.waited;
        push(moderate, key(rate, s.name), pair.subject);
        push(moderate, key(rate, direct.name), pair.direct);
        push(added, key(rate, s.name), pair.subject.p99 - pair.direct.p99);
        process.stderr.write(
          `round ${round + 1}, ${rate}/s, ${s.name}: p99 ${fmt(pair.subject.p99)} ms, targets ${fmt(pair.direct.p99)} ms, generator late ${fmt(pair.direct.lateP99)} ms at p99, steal ${(steal * 100).toFixed(1)}%\n`,
        );
      }
    }
  }

  const sat = (name: string) => {
    const rs = saturation.get(name)!;
    return {
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
    };
  };
  const alb = sat(subjects[1]!.name);
  const nginx1 = sat(subjects[3]!.name);
  const nginxAuto = sat(subjects[4]!.name);
  const satRows = subjects.map((s) => {
    const r = sat(s.name);
    return [
      s.name,
      r.rps.toFixed(0),
      `${fmt(r.p50)} ms`,
      `${fmt(r.p99)} ms`,
      `${((r.rps / nginxAuto.rps) * 100).toFixed(0)}%`,
      Number.isNaN(r.cpuUs) ? '—' : `${r.cpuUs.toFixed(0)} µs`,
    ];
  });
  const mod = (k: string) => {
    const rs = moderate.get(k) ?? [];
    return {
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      p999: median(rs.map((r) => r.p999)),
    };
  };
  const modTable = () =>
    markdownTable(
      ['requests/s', 'through', 'p50', 'p99', 'p99.9', 'p99 added to the targets’ own (same run)'],
      RATES.flatMap((rate) =>
        subjects
          .filter((s) => s.paced)
          .map((s) => {
            const more = added.get(key(rate, s.name)) ?? [];
            const r = mod(key(rate, s.name));
            return [
              String(rate),
              s.name,
              `${fmt(r.p50)} ms`,
              `${fmt(r.p99)} ms`,
              `${fmt(r.p999)} ms`,
              s === direct ? '—' : `${fmt(median(more))} ms (runs: ${more.map(fmt).join(', ')})`,
            ];
          }),
      ),
    );
  const albAdded = RATES.map(
    (rate) => `${fmt(median(added.get(key(rate, subjects[1]!.name)) ?? []))} ms at ${rate} requests/s`,
  ).join(', ');
  const capacity = RATES.map((rate) => `${rate} requests/s is ${((rate / alb.rps) * 100).toFixed(0)}%`).join(
    ', ',
  );
  const latestSend = Math.max(...[...moderate.values()].flat().map((r) => r.lateP99));
  const body = [
    `Two node:http targets (\`hello, world\\n\`, 13 bytes) in one process, each proxy in its own process(es), all on loopback of this 2-core machine (load average ${load} when the run began, ${loadavg()[0]!.toFixed(1)} when it ended${NICE !== 0 ? `; the benchmark's processes ran at nice ${NICE}` : ''}). Medians of ${ROUNDS} rounds, subjects taking turns.`,
    '',
    `**At saturation**: \`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\` (keep-alive).`,
    '',
    markdownTable(
      ['through', 'requests/s', 'p50', 'p99', 'of nginx (auto)', 'proxy CPU per request (user + system)'],
      satRows,
    ),
    '',
    `neargate ALB / nginx: ${((alb.rps / nginxAuto.rps) * 100).toFixed(0)}% of nginx with worker_processes auto, ${((alb.rps / nginx1.rps) * 100).toFixed(0)}% of nginx with 1 worker (target: at least 50%). CPU per request, from /proc, is the proxy's own cost whatever share of the cores it got; on a machine this loaded, requests per second also measure how many runnable processes each proxy has (nginx auto has two, the ALB one).`,
    '',
    `**At a moderate fixed rate**: ${RATES.join(' and ')} requests/s for ${SECONDS} s, open loop (bench/lb/paced-load.ts: even send times, a new connection when all are busy; latency from write to the end of the response; its sends were late by at most ${fmt(latestSend)} ms at p99). Of the ALB's saturation rate above, ${capacity}. The hypervisor gave ${(median(steals) * 100).toFixed(1)}% of the cores' time to other work in the median run (${(Math.max(...steals) * 100).toFixed(1)}% at most; /proc/stat's steal). Each proxy is driven together with the targets directly (the same rate each, interleaved), so both see the same hiccups of the machine; the added p99 is the median over ${PACED_ROUNDS} runs of the difference within a run. ${waited === 0 ? 'No request had to wait for a free connection.' : `${waited} of the requests had to wait for a free connection (the 128 per URL were all busy).`}`,
    '',
    modTable(),
    '',
    `neargate ALB adds ${albAdded} to p99 (target: under 1 ms).`,
  ].join('\n');
  await record(
    'Load balancer: ALB data plane beside nginx',
    `node --import tsx bench/lb.ts --seconds ${SECONDS} --rounds ${ROUNDS} --paced-rounds ${PACED_ROUNDS} --connections ${CONNECTIONS} --rate ${RATES.join(',')}${NICE !== 0 ? ` --nice ${NICE}` : ''}`,
    body,
    { keepRuns: 2 },
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
