// scratch: paced comparisons only. node --import tsx .paced.ts rounds seconds subjects(alb,nginx,altalb)
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync, mkdirSync } from 'node:fs';
const run = promisify(execFile);
const [roundsT = '3', secondsT = '10', which = 'alb,nginx'] = process.argv.slice(2);
const kids: any[] = [];
process.on('exit', () => kids.forEach((k) => k.kill('SIGTERM')));
function start(cmd: string, args: string[], env: Record<string, string> = {}) {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  kids.push(c);
  return new Promise<string>((res) => c.stdout!.once('data', (d) => res(String(d).trim())));
}
const PIN = process.env.PIN === '1';
const pin = (cpu: string, cmd: string, args: string[]): [string, string[]] => PIN ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
const { ports } = JSON.parse(await start(...pin('0', process.execPath, ['--no-memory-reducer', '--import', 'tsx', 'bench/lb/backends.ts', '2'])));
const subjects: [string, string][] = [];
for (const w of which.split(',')) {
  if (w.startsWith('alb')) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const flags = process.env[`FLAGS_${w}`]?.split(' ').filter(Boolean) ?? [];
    await start(...pin('1', process.execPath, [...flags, '--import', 'tsx', 'bench/lb/alb-process.ts', '127.77.0.1', String(port), '0', ...ports.map(String)]));
    subjects.push([w, `http://127.77.0.1:${port}/`]);
  } else {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const d = `/tmp/prof/nginx-${port}`;
    mkdirSync(`${d}/logs`, { recursive: true });
    writeFileSync(`${d}/nginx.conf`, `daemon off; worker_processes 1; pid ${d}/nginx.pid; error_log ${d}/logs/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
 upstream targets { ${ports.map((p: number) => `server 127.0.0.1:${p};`).join(' ')} keepalive 128; keepalive_requests 100000; keepalive_timeout 60s; }
 server { listen 127.0.0.1:${port}; location / { proxy_pass http://targets; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host;
 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Forwarded-Port $server_port; } } }`);
    const c = spawn(...pin('1', 'nginx', ['-p', d, '-c', `${d}/nginx.conf`]), { stdio: 'ignore' });
    kids.push(c);
    await new Promise((r) => setTimeout(r, 300));
    subjects.push([w, `http://127.0.0.1:${port}/`]);
  }
}
const direct = `http://127.0.0.1:${ports[0]}/`;
// warm
for (const [, u] of subjects) await run('wrk', ['-t1', '-c16', '-d2s', u]);
const f = (n: number) => n.toFixed(2);
for (let r = 0; r < Number(roundsT); r++) {
  for (const [name, url] of subjects) {
    const { stdout } = await run(...pin('0', process.execPath, ['--no-memory-reducer', '--import', 'tsx', 'bench/lb/paced-load.ts', '500', secondsT, direct, url]));
    const [a, b] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    console.log(`${name.padEnd(8)} direct p50 ${f(a.p50)} p90 ${f(a.p90)} p99 ${f(a.p99)} p999 ${f(a.p999)} | subj p50 ${f(b.p50)} p90 ${f(b.p90)} p99 ${f(b.p99)} p999 ${f(b.p999)} max ${f(b.max)} | added p99 ${f(b.p99 - a.p99)} late ${f(b.lateP99)}`);
  }
}
process.exit(0);
