import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Inbox } from './inbox.js';

/**
 * Takes the response over from Fastify and starts a Server-Sent Events stream on it, with
 * a keep-alive comment every `keepAliveMs`; the inbox closes (and the keep-alive stops) when
 * the stream ends either way. Returns the raw response to write events to.
 */
export function openEventStream<T>(
  reply: FastifyReply,
  inbox: Inbox<T>,
  keepAliveMs: number,
): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
  raw.on('close', () => {
    clearInterval(keepAlive);
    inbox.close();
  });
  return raw;
}
