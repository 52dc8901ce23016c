import net from 'node:net';

/**
 * A TCP proxy in front of a Redis that a test can break in the two ways a network does,
 * for the clients pointed at `url` only (the shared Redis is never touched):
 * - `cut()` drops every connection and refuses new ones until `restore()`: Redis vanishes
 *   and its clients reconnect;
 * - `freeze()` stops forwarding bytes (both ways) while every socket stays open, as a
 *   Redis that hangs or a network that drops packets would; `thaw()` forwards what was
 *   held, in order, and lets bytes through again.
 */
export class RedisProxy {
  private readonly sockets = new Set<net.Socket>();
  private up = true;
  /** Writes held while frozen, in arrival order; undefined while bytes flow. */
  private held: (() => void)[] | undefined;

  private constructor(
    private readonly server: net.Server,
    private readonly target: URL,
    private readonly port: number,
  ) {}

  /** A proxy to the Redis at `redisUrl` (redis://, host and port). */
  static async create(redisUrl: string): Promise<RedisProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const proxy = new RedisProxy(server, new URL(redisUrl), port);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** `redisUrl` with the proxy for its host and port (credentials and db kept). */
  get url(): string {
    const url = new URL(this.target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  freeze(): void {
    this.held ??= [];
  }

  thaw(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const write of held) write();
  }

  async close(): Promise<void> {
    this.thaw();
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (!this.up) {
      client.destroy();
      return;
    }
    const upstream = net.connect({
      host: this.target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(this.target.port || 6379),
    });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        const write = () => void to.write(chunk);
        if (this.held) this.held.push(write);
        else write();
      });
      // A drop on one side drops the other: Redis and its client see what a cut link shows.
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
