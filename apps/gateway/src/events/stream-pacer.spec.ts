import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { StreamPacer } from './stream-pacer.js';

/** A response whose socket takes `room` bytes, then is full until `drain()`. */
class FullingResponse extends EventEmitter {
  written: string[] = [];
  ended = false;
  readonly socket = Object.assign(new EventEmitter(), {
    destroyed: false,
    resetAndDestroy: () => {
      this.socket.destroyed = true;
      this.emit('close');
    },
  });
  constructor(private room: number) {
    super();
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.room -= chunk.length;
    return this.room > 0;
  }
  end(): void {
    this.ended = true;
  }
  drain(room: number): void {
    this.room = room;
    this.emit('drain');
  }
}

function pacer(room: number, limits = { maxBufferedBytes: 100, blockedTimeoutMs: 60_000 }) {
  const registry = new Registry();
  const metrics = {
    blocked: new Gauge({ name: 'blocked', help: 'b', registers: [registry] }),
    closedSlow: new Counter({ name: 'closed', help: 'c', registers: [registry] }),
  };
  const raw = new FullingResponse(room);
  const stream = new StreamPacer(raw as unknown as ServerResponse, limits, metrics);
  const value = async (metric: Gauge | Counter) => (await metric.get()).values[0]?.value;
  return { raw, stream, metrics, value };
}

describe(StreamPacer.name, () => {
  it('holds chunks while the client is not reading, and writes them in order on drain', async () => {
    const { raw, stream, metrics, value } = pacer(10);
    stream.write('0123456789');
    stream.write('held-1');
    stream.write('held-2');
    stream.end();
    expect(raw.written).toEqual(['0123456789']);
    expect(await value(metrics.blocked)).toBe(1);
    expect(raw.ended).toBe(false);

    raw.drain(1000);
    expect(raw.written).toEqual(['0123456789', 'held-1', 'held-2']);
    expect(await value(metrics.blocked)).toBe(0);
    expect(raw.ended).toBe(true);
  });

  it('resets the connection once more than the bound would wait', async () => {
    const { raw, stream, metrics, value } = pacer(1);
    stream.write('first');
    stream.write('x'.repeat(60));
    expect(raw.socket.destroyed).toBe(false);
    stream.write('y'.repeat(60));
    expect(raw.socket.destroyed).toBe(true);
    expect(await value(metrics.closedSlow)).toBe(1);
    expect(await value(metrics.blocked)).toBe(0);
  });

  it('resets the connection when it stays blocked past the deadline', async () => {
    jest.useFakeTimers();
    try {
      const { raw, stream, metrics, value } = pacer(1, {
        maxBufferedBytes: 100,
        blockedTimeoutMs: 5000,
      });
      stream.write('first');
      jest.advanceTimersByTime(4999);
      expect(raw.socket.destroyed).toBe(false);
      jest.advanceTimersByTime(1);
      expect(raw.socket.destroyed).toBe(true);
      expect(await value(metrics.closedSlow)).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
