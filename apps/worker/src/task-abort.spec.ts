import { CancelledError, TimeoutError } from '@agentq/agents';
import { TaskAbort } from './task-abort.js';

const never = new Promise<never>(() => undefined);

describe(TaskAbort.name, () => {
  it('settles as the run does while nothing aborts it', async () => {
    const abort = new TaskAbort();
    await expect(abort.race(Promise.resolve('done'))).resolves.toBe('done');
    await expect(abort.race(Promise.reject(new Error('agent bug')))).rejects.toThrow('agent bug');
    expect(abort.reason).toBeUndefined();
  });

  it('rejects a run that ignores its signal as soon as it is aborted', async () => {
    const abort = new TaskAbort();
    const settled = abort.race(never);
    const reason = new TimeoutError('timed out after 10 ms');
    abort.abort(reason);
    await expect(settled).rejects.toBe(reason);
  });

  it('aborts the signal the agent holds, with the same reason', () => {
    const abort = new TaskAbort();
    const { signal } = abort;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    const reason = new CancelledError('task cancelled');
    abort.abort(reason);
    expect(heard).toEqual([reason]);
  });

  it('gives an already aborted signal when asked for one after the abort', () => {
    const abort = new TaskAbort();
    const reason = new CancelledError('task cancelled');
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
  });

  it('keeps the first reason', async () => {
    const abort = new TaskAbort();
    const first = new CancelledError('task cancelled');
    abort.abort(first);
    abort.abort(new TimeoutError('timed out'));
    expect(abort.reason).toBe(first);
    expect(abort.signal.reason).toBe(first);
    await expect(abort.race(Promise.resolve('late'))).rejects.toBe(first);
  });
});
