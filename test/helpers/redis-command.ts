import net from 'node:net';

/**
 * Sends one command to the Redis on a loopback port over a socket of its own; resolves with
 * the first reply line, or '' when the server closes without one (SHUTDOWN). No client
 * library: ioredis would hold a command through a pause and send it again after a reconnect,
 * so a SHUTDOWN would also stop the server started after it.
 */
export function redisCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      const parts = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join('')}`);
    });
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      socket.destroy();
      const line = reply.slice(0, end);
      if (line.startsWith('-')) reject(new Error(`redis ${args[0]}: ${line.slice(1)}`));
      else resolve(line);
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(reply));
  });
}
