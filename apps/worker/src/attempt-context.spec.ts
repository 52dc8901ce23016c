import type { Job } from 'bullmq';
import { TimeoutError, type TaskServices } from '@agentq/agents';
import { AttemptContext } from './attempt-context.js';
import { TaskAbort } from './task-abort.js';

function attempt() {
  const written: unknown[] = [];
  const job = {
    updateProgress: (value: unknown) => Promise.resolve(void written.push(value)),
    log: (line: string) => Promise.resolve(void written.push(line)),
  } as unknown as Job;
  const services = { tenant: 't1', state: {}, llm: {}, http: {} } as unknown as TaskServices;
  const abort = new TaskAbort();
  return { ctx: new AttemptContext('task-1', 2, job, abort, services), abort, written };
}

describe(AttemptContext.name, () => {
  it('has every member as its own property, so a spread copy works like the context', async () => {
    const { ctx, abort } = attempt();
    const copy = { ...ctx };
    expect(Object.keys(copy).sort()).toEqual(
      [
        'attempt',
        'http',
        'llm',
        'log',
        'progress',
        'redelivered',
        'signal',
        'state',
        'taskId',
        'tenant',
      ].sort(),
    );
    expect(copy.signal).toBe(ctx.signal);
    const reason = new TimeoutError('timed out after 5 ms');
    abort.abort(reason);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(reason);
    await expect(copy.progress(50)).resolves.toBeUndefined();
  });

  it('answers its signal through a Proxy or to an object that inherits from it', () => {
    const { ctx } = attempt();
    const proxied = new Proxy(ctx, {});
    const inheriting = Object.create(ctx) as AttemptContext;
    expect(proxied.signal).toBe(ctx.signal);
    expect(inheriting.signal).toBe(ctx.signal);
  });

  it('writes progress and log lines, unbound, until the attempt is aborted', async () => {
    const { ctx, abort, written } = attempt();
    const { progress, log } = ctx;
    await progress(10);
    await log('step one');
    abort.abort(new TimeoutError('timed out after 5 ms'));
    await progress(20);
    await log('too late');
    expect(written).toEqual([10, 'step one']);
  });
});
