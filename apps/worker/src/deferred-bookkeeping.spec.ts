import { setImmediate as nextCheckPhase } from 'node:timers/promises';
import { DeferredBookkeeping } from './deferred-bookkeeping.js';

describe(DeferredBookkeeping.name, () => {
  it('runs queued work after the current turn, in order, with one throwing step heard', async () => {
    const errors: unknown[] = [];
    const later = new DeferredBookkeeping((err) => errors.push(err));
    const ran: number[] = [];
    later.defer(() => ran.push(1));
    later.defer(() => {
      throw new Error('metric broke');
    });
    later.defer(() => ran.push(3));
    await Promise.resolve();
    expect(ran).toEqual([]);

    await nextCheckPhase();
    expect(ran).toEqual([1, 3]);
    expect(errors).toEqual([new Error('metric broke')]);
  });

  it('flush() runs what is queued at once, and nothing runs twice', async () => {
    const later = new DeferredBookkeeping((err) => {
      throw err;
    });
    let runs = 0;
    later.defer(() => runs++);
    later.flush();
    expect(runs).toBe(1);
    await nextCheckPhase();
    expect(runs).toBe(1);
    // Work queued after a flush is scheduled again.
    later.defer(() => runs++);
    await nextCheckPhase();
    expect(runs).toBe(2);
  });
});
