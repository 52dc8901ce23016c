import { EventEmitter } from 'node:events';
import { ClientErrors } from './client-errors.js';

describe(ClientErrors.name, () => {
  it("logs a client's error once, where the client is watched, and a queue's own apart", () => {
    const errors = new ClientErrors();
    const client = new EventEmitter();
    const queue = new EventEmitter();
    const heard: string[] = [];
    errors.watch([client], (err) => heard.push(`client: ${err.message}`));
    errors.hear(queue, (err) => heard.push(`queue: ${err.message}`));
    // As BullMQ does: the queue re-emits each error of the client it shares.
    client.on('error', (err: Error) => queue.emit('error', err));

    client.emit('error', new Error('read ECONNRESET'));
    queue.emit('error', new Error('a script failed'));

    expect(heard).toEqual(['client: read ECONNRESET', 'queue: a script failed']);
    expect(errors.has(new Error('read ECONNRESET'))).toBe(false);
  });
});
