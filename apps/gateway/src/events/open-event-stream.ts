import type { FastifyReply } from 'fastify';
import type { Gauge } from 'prom-client';
import { Inbox } from './inbox.js';

/** Returns its unsubscribe function, at once or once the subscription is in place. */
type Subscribe<C> = (listener: (change: C) => void) => (() => void) | Promise<() => void>;

/**
 * Subscribes an inbox to the changes, then reads the first state, in that order so nothing
 * that happens in between is lost. If the read fails, the subscription ends and the error
 * goes up: nothing is streamed yet, so the error filter answers it as JSON (404, 503).
 */
export async function listenThenRead<C, V>(
  subscribe: Subscribe<C>,
  read: () => Promise<V>,
): Promise<{ inbox: Inbox<C>; unsubscribe: () => void; first: V }> {
  const inbox = new Inbox<C>();
  const unsubscribe = await subscribe((change) => inbox.push(change));
  try {
    return { inbox, unsubscribe, first: await read() };
  } catch (error) {
    unsubscribe();
    throw error;
  }
}

/** A Server-Sent Events stream on a response taken over from Fastify. */
export interface EventStream {
  send: (eventId: string | number, event: string, data: unknown) => void;
  /** Ends the response; at shutdown also its kept-alive connection, so the server can close. */
  end: (closing: boolean) => void;
}

/**
 * Takes the response over from Fastify and starts a Server-Sent Events stream on it, with
 * a keep-alive comment every `keepAliveMs`, counted in `openStreams` while open; the inbox
 * closes (and the keep-alive stops) when the stream ends either way.
 */
export function openEventStream<T>(
  reply: FastifyReply,
  inbox: Inbox<T>,
  keepAliveMs: number,
  openStreams: Gauge,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  openStreams.inc();
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
  raw.on('close', () => {
    clearInterval(keepAlive);
    openStreams.dec();
    inbox.close();
  });
  return {
    send: (eventId, event, data) => {
      raw.write(`id: ${eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end: (closing) => {
      raw.end();
      if (closing) raw.socket?.end();
    },
  };
}
