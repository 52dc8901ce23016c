import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A TCP proxy to Redis that a test can cut and restore, as a network failure would. */
export interface RedisLink {
  /** The Redis URL through the proxy (credentials and db as given). */
  url: string;
  /** Drops every connection through the link and refuses new ones until `restore`. */
  cut: () => void;
  restore: () => void;
  close: () => Promise<void>;
}

export async function openRedisLink(redisUrl: string): Promise<RedisLink> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let up = true;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = connect(
      target.port ? Number(target.port) : 6379,
      target.hostname.replace(/^\[(.*)\]$/, '$1'),
    );
    track(upstream);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.pipe(to);
      // A drop on one side drops the other: Redis and its client see what a cut link shows.
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const through = new URL(redisUrl);
  through.hostname = '127.0.0.1';
  through.port = String((server.address() as AddressInfo).port);
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: through.toString(),
    cut: () => {
      up = false;
      dropAll();
    },
    restore: () => {
      up = true;
    },
    close: () => {
      up = false;
      dropAll();
      return new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
