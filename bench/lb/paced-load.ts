/**
 * An open-loop load generator (what wrk2 does, which Debian does not package): `rate` requests a
 * second to each URL at even times whatever the answers, over keep-alive connections (another one
 * opened when all are busy, so a slow answer never holds back the next request), latency measured
 * from each request's write to the end of its response. Several URLs are driven interleaved, in
 * the same seconds, so a hiccup of a busy machine hits them all alike and their difference is
 * what each adds. The first second warms up and is not counted. Prints one JSON line per URL:
 * counts and latency percentiles in ms, and how late sends were.
 *
 *   node bench/lb/paced-load.ts <rate> <seconds> <url>...
 */
import { connect, type Socket } from 'node:net';

const [rateText, secondsText, ...targets] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const warmupMs = 1_000;

interface Conn {
  socket: Socket;
  sentAt: number;
  record: boolean;
  buf: Buffer | null;
}

/** Connections per URL at most: past them, requests wait for one (and are counted as waiting). */
const MAX_CONNECTIONS = 128;

/** What is sent to one URL and what came back. */
class Subject {
  readonly url: URL;
  readonly request: Buffer;
  readonly idle: Conn[] = [];
  /** Requests due while every connection was busy: sent when one frees up. */
  readonly backlog: { intended: number; record: boolean }[] = [];
  waited = 0;
  readonly latencies: number[] = [];
  readonly lateness: number[] = [];
  errors = 0;
  outstanding = 0;
  opened = 0;

  constructor(target: string) {
    this.url = new URL(target);
    this.request = Buffer.from(
      `GET ${this.url.pathname} HTTP/1.1\r\nHost: ${this.url.host}\r\nUser-Agent: paced-load\r\n\r\n`,
    );
  }

  open(): Conn {
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port), noDelay: true });
    this.opened++;
    const conn: Conn = { socket, sentAt: 0, record: false, buf: null };
    socket.on('data', (chunk: Buffer) => {
      const buf = conn.buf === null ? chunk : Buffer.concat([conn.buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      const length = end < 0 ? null : /\r\ncontent-length: *(\d+)/i.exec(buf.toString('latin1', 0, end));
      if (end < 0 || buf.length < end + 4 + Number(length?.[1] ?? 0)) {
        conn.buf = buf;
        return;
      }
      conn.buf = null;
      if (!buf.toString('latin1', 0, 12).startsWith('HTTP/1.1 200')) this.errors++;
      if (conn.record) this.latencies.push(performance.now() - conn.sentAt);
      this.outstanding--;
      this.idle.push(conn);
      const next = this.backlog.shift();
      if (next !== undefined) this.send(next.intended, next.record);
    });
    socket.on('error', () => {
      this.errors++;
    });
    socket.on('close', () => {
      const i = this.idle.indexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return conn;
  }

  send(intended: number, record: boolean): void {
    if (this.idle.length === 0 && this.opened >= MAX_CONNECTIONS) {
      this.backlog.push({ intended, record });
      this.waited++;
      return;
    }
    const conn = this.idle.pop() ?? this.open();
    conn.sentAt = performance.now();
    conn.record = record;
    if (record) this.lateness.push(conn.sentAt - intended);
    this.outstanding++;
    conn.socket.write(this.request);
  }
}

const subjects = targets.map((t) => new Subject(t));
for (const subject of subjects) for (let i = 0; i < 16; i++) subject.idle.push(subject.open());
await new Promise((r) => setTimeout(r, 200));

const start = performance.now();
const endAt = start + warmupMs + seconds * 1000;
let sent = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now();
    if (now >= endAt) {
      resolve();
      return;
    }
    // Request k is due at start + k / rate: those due by now, counting the one due right now.
    const due = Math.floor(((now - start) * rate) / 1000) + 1;
    while (sent < due) {
      const intended = start + (sent * 1000) / rate;
      // Each subject gets its request at the same moment, in an order that rotates.
      for (let k = 0; k < subjects.length; k++) {
        subjects[(sent + k) % subjects.length]!.send(intended, intended >= start + warmupMs);
      }
      sent++;
    }
    setTimeout(tick, 1);
  };
  tick();
});
const pending = () => subjects.reduce((n, s) => n + s.outstanding + s.backlog.length, 0);
const drainUntil = performance.now() + 5_000;
while (pending() > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));

const at = (xs: Float64Array, p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
for (const subject of subjects) {
  const sorted = Float64Array.from(subject.latencies).sort();
  const late = Float64Array.from(subject.lateness).sort();
  process.stdout.write(
    `${JSON.stringify({
      url: subject.url.href,
      rate,
      counted: sorted.length,
      errors: subject.errors,
      unanswered: subject.outstanding + subject.backlog.length,
      connections: subject.opened,
      waited: subject.waited,
      p50: at(sorted, 50),
      p90: at(sorted, 90),
      p99: at(sorted, 99),
      p999: at(sorted, 99.9),
      max: sorted[sorted.length - 1] ?? 0,
      lateP99: at(late, 99),
    })}\n`,
  );
}
process.exit(0);
