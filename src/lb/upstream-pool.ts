import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Why an upstream connection ended before its owner was done with it. */
export type UpstreamFailure = 'refused' | 'connect-timeout' | 'reset' | 'cut';

/** Who uses a leased connection: its events go there, with no closure made per request. */
export interface UpstreamOwner {
  onUpstreamData(up: Upstream, chunk: Buffer): void;
  /** The connection is gone: `failure` is undefined when the target closed it cleanly (FIN). */
  onUpstreamClose(up: Upstream, failure: UpstreamFailure | undefined): void;
  onUpstreamDrain(up: Upstream): void;
}

/** One keep-alive connection to a target. */
export class Upstream {
  owner: UpstreamOwner | null = null;
  /** Requests it has carried, the current one included. */
  uses = 0;
  connected = false;
  closed = false;
  idleSinceMs = 0;

  constructor(
    readonly socket: Socket,
    readonly pool: UpstreamPool,
  ) {}

  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    return encoding ? this.socket.write(data, encoding) : this.socket.write(data);
  }
}

export interface UpstreamPoolOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: boolean;
  /** ALB gives up connecting to a target after 10 s. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /**
   * Idle connections are closed after this long, before the targets' own keep-alive timeouts
   * (5 s in Node, for one) close them under a request.
   * @default 4_000
   */
  readonly idleTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * The keep-alive connections to one target: idle ones are reused last-in first-out, new ones are
 * opened on demand (writes queue until connected), and all can be cut at once when the target's
 * deregistration delay ends.
 */
export class UpstreamPool {
  readonly #idle: Upstream[] = [];
  readonly #leased = new Set<Upstream>();
  readonly #options: Required<UpstreamPoolOptions>;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;
  /** Connections opened, for tests and the benchmark to see reuse. */
  opened = 0;

  constructor(options: UpstreamPoolOptions) {
    this.#options = {
      tls: false,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 4_000,
      now: Date.now,
      ...options,
    };
  }

  get leased(): number {
    return this.#leased.size;
  }

  get idle(): number {
    return this.#idle.length;
  }

  /** A connection for `owner`: an idle one (unless `fresh`), or a new one still connecting. */
  acquire(owner: UpstreamOwner, fresh = false): Upstream {
    let up = fresh ? undefined : this.#idle.pop();
    while (up?.closed) up = this.#idle.pop();
    if (up === undefined) up = this.#open();
    up.owner = owner;
    up.uses++;
    this.#leased.add(up);
    return up;
  }

  /** Takes a connection back once its exchange is complete, to be reused. */
  release(up: Upstream): void {
    this.#leased.delete(up);
    up.owner = null;
    if (this.#closed || up.closed || up.socket.destroyed) {
      this.discard(up);
      return;
    }
    up.idleSinceMs = this.#options.now();
    this.#idle.push(up);
    this.#sweeper ??= setInterval(() => this.#sweep(), 1_000).unref();
  }

  /** Closes a connection that cannot be reused (its exchange failed, or the target asked). */
  discard(up: Upstream): void {
    this.#leased.delete(up);
    up.owner = null;
    up.closed = true;
    up.socket.destroy();
  }

  /** Closes the idle connections; leased ones close when released. */
  close(): void {
    this.#closed = true;
    for (const up of this.#idle.splice(0)) this.discard(up);
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Closes every connection, those in use too: their owners see the failure `cut`. */
  cut(): void {
    for (const up of this.#idle.splice(0)) this.discard(up);
    for (const up of [...this.#leased]) this.#fail(up, 'cut');
  }

  #open(): Upstream {
    const { host, port, tls, connectTimeoutMs } = this.#options;
    const socket = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false })
      : connect({ host, port, noDelay: true });
    if (tls) socket.setNoDelay(true);
    const up = new Upstream(socket, this);
    this.opened++;
    socket.setTimeout(connectTimeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      up.connected = true;
      socket.setTimeout(0);
    });
    socket.on('timeout', () => {
      if (!up.connected) this.#fail(up, 'connect-timeout');
    });
    socket.on('data', (chunk: Buffer) => {
      if (up.owner) up.owner.onUpstreamData(up, chunk);
      else this.discard(up); // a target talking out of turn is not reused
    });
    socket.on('drain', () => up.owner?.onUpstreamDrain(up));
    socket.on('end', () => this.#fail(up, undefined));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#fail(up, !up.connected && error.code === 'ECONNREFUSED' ? 'refused' : 'reset');
    });
    socket.on('close', () => this.#fail(up, 'reset'));
    return up;
  }

  #fail(up: Upstream, failure: UpstreamFailure | undefined): void {
    if (up.closed) return;
    up.closed = true;
    const owner = up.owner;
    this.#leased.delete(up);
    up.owner = null;
    up.socket.destroy();
    const i = this.#idle.indexOf(up);
    if (i >= 0) this.#idle.splice(i, 1);
    owner?.onUpstreamClose(up, failure);
  }

  #sweep(): void {
    const oldest = this.#options.now() - this.#options.idleTimeoutMs;
    // Idle connections are in release order: the stale ones are at the bottom of the stack.
    let stale = 0;
    while (stale < this.#idle.length && this.#idle[stale]!.idleSinceMs <= oldest) stale++;
    for (const up of this.#idle.splice(0, stale)) this.discard(up);
    if (this.#idle.length === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
