import type { PoolSettings } from '../src/config.js';
import { testAgent, testPool } from './pool-fixture.js';
import { LogCapture } from './log-capture.js';

let onStart: () => void = () => undefined;
/** Runs until its signal aborts. */
const longAgent = testAgent('test.long', (_input, ctx) => {
  onStart();
  return new Promise((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(new Error('stopped'))),
  );
});

/** Starts a pool, starts one long task, closes the pool past its drain time. */
async function drainWithRunningTask(settings: Partial<PoolSettings>) {
  const logs = new LogCapture();
  const pool = testPool('drain', { agents: [longAgent], settings, logger: logs.logger });
  await pool.start();
  const started = new Promise<void>((resolve) => (onStart = resolve));
  const job = await pool.queue.add(
    'test.long',
    { v: 1, agent: 'test.long', input: {}, tenant: 't' },
    { attempts: 3 },
  );
  await started;
  await pool.worker.close();
  const stored = await pool.queue.getJob(job.id ?? '');
  const outcome = {
    state: await pool.queue.getJobState(job.id ?? ''),
    attemptsMade: stored?.attemptsMade,
    failedReason: stored?.failedReason,
  };
  await pool.stop();
  return outcome;
}

describe('drain', () => {
  it('hands a task still running at the end of the drain back to the queue, using no attempt', async () => {
    expect(await drainWithRunningTask({ drainTimeoutMs: 100 })).toMatchObject({
      state: 'waiting',
      attemptsMade: 0,
    });
  });

  it('fails it instead in a pool that never runs a task twice', async () => {
    expect(await drainWithRunningTask({ drainTimeoutMs: 100, maxStalledCount: 0 })).toMatchObject({
      state: 'failed',
      failedReason:
        '[AGENT_FAILED] the worker shut down while the task ran; not run again (maxStalledCount 0)',
    });
  });
});
