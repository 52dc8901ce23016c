import { InvalidInputError } from '@agentq/agents';
import { readFinished } from '@agentq/queue';
import { testAgent, testPool } from './pool-fixture.js';

const failing = testAgent('test.invalid', () => Promise.reject(new InvalidInputError('no')));
const pool = testPool('finished', { agents: [failing] });

beforeAll(() => pool.start());
afterAll(() => pool.stop());

const task = (agent: string) => ({ v: 1, agent, input: {}, tenant: 'acme' });

describe('finished-task records', () => {
  it('keep how and when each task ended, per tenant, beside the job', async () => {
    // The worker records a failure when its own 'failed' event fires, which may come after
    // the queue's event that ends waitUntilFinished.
    const add = pool.finished.add.bind(pool.finished);
    const failureRecorded = new Promise<void>((resolve) => {
      pool.finished.add = (...args) => {
        add(...args);
        if (args[2] === 'failed') resolve();
      };
    });
    const done = await pool.queue.add('echo', task('echo'));
    const failed = await pool.queue.add('test.invalid', task('test.invalid'), { attempts: 1 });
    await done.waitUntilFinished(pool.events);
    await expect(failed.waitUntilFinished(pool.events)).rejects.toThrow('no');
    await failureRecorded;
    await pool.finished.flush();

    const completedJob = await pool.queue.getJob(done.id ?? '');
    expect(await readFinished(pool.connection, pool.prefix, 'acme', done.id ?? '')).toEqual({
      state: 'completed',
      finishedAt: completedJob?.finishedOn,
    });
    expect(await readFinished(pool.connection, pool.prefix, 'acme', failed.id ?? '')).toMatchObject(
      { state: 'failed' },
    );
    // Another tenant has no record of them.
    expect(
      await readFinished(pool.connection, pool.prefix, 'other', done.id ?? ''),
    ).toBeUndefined();
  });
});
