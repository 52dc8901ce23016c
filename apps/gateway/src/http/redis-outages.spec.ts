import { EventEmitter } from 'node:events';
import type { RedisClient } from '@agentq/queue';
import { RedisOutages } from './redis-outages.js';

/** Just what RedisOutages reads of a client: its status and its events. */
class Connection extends EventEmitter {
  constructor(public status: string) {
    super();
  }
  set(status: 'ready' | 'close'): void {
    this.status = status;
    this.emit(status);
  }
}

describe(RedisOutages.name, () => {
  it('counts a request as ready throughout only if Redis was ready before it began', () => {
    const connection = new Connection('ready');
    const outages = new RedisOutages(connection as unknown as RedisClient);
    expect(outages.readyThroughout(Date.now())).toBe(true);

    connection.set('close');
    const startedDuringOutage = Date.now();
    expect(outages.readyThroughout(startedDuringOutage)).toBe(false);
    connection.set('ready');
    // Ready again by the time the error is judged, but not for the whole request.
    expect(outages.readyThroughout(startedDuringOutage - 1)).toBe(false);
    expect(outages.readyThroughout(Date.now() + 1)).toBe(true);
  });

  it('starts unready when the client is not connected yet', () => {
    const outages = new RedisOutages(new Connection('connecting') as unknown as RedisClient);
    expect(outages.readyThroughout(Date.now())).toBe(false);
  });
});
