import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TransientError } from '@agentq/agents';
import { TaskSpecSchema, type TaskSpecInput } from '@agentq/contracts';
import { taskJobOptions } from '@agentq/queue';
import { createTaskProcessor } from '../src/run-task.js';
import { testAgent, testPool } from './pool-fixture.js';

/** An agent that never looks at its signal and never finishes. */
const stubbornAgent = testAgent('test.stubborn', () => new Promise(() => undefined));

/** Resolves once the signal is aborted. */
const abortOf = (signal: AbortSignal) =>
  new Promise<void>((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
  );

/** Called by the late writer once it has written to its task after its abort. */
let wroteLate: () => void = () => undefined;
/** An agent that sees its abort but goes on writing to its task (and finishes) anyway. */
const lateWriter = testAgent('test.late-writer', async (_input, ctx) => {
  await ctx.log('before the abort');
  await abortOf(ctx.signal);
  await ctx.log('after the abort');
  await ctx.progress(99);
  wroteLate();
  return 'too late';
});

/** An agent whose run throws before it returns a promise. */
const syncThrower = testAgent('test.throws-at-once', () => {
  throw new TransientError('thrown before any await');
});

/** An agent whose result breaks its own output schema. */
const wrongShape = {
  ...testAgent('test.wrong-shape', () => Promise.resolve({ total: 'three' })),
  outputSchema: z.object({ total: z.number() }),
};

/** The jest object of a native-ESM test (this package has no @jest/globals). */
const { jest } = import.meta as ImportMeta & { jest: typeof globalThis.jest };

const pool = testPool('worker', { agents: [stubbornAgent, lateWriter, syncThrower, wrongShape] });
const { queue } = pool;

beforeAll(() => pool.start());
afterAll(() => pool.stop());

async function run(spec: TaskSpecInput) {
  const parsed = TaskSpecSchema.parse(spec);
  const job = await queue.add(
    parsed.agent,
    { v: 1, agent: parsed.agent, input: parsed.input, tenant: 't', timeoutMs: parsed.timeoutMs },
    taskJobOptions(parsed, randomUUID()),
  );
  return pool.settle(job);
}

describe(createTaskProcessor.name, () => {
  it('stores the agent result on the task', async () => {
    expect(await run({ agent: 'echo', input: { n: 1 } })).toMatchObject({
      state: 'completed',
      result: { n: 1 },
      attemptsMade: 1,
    });
  });

  it('passes progress and log lines to the task', async () => {
    const view = await run({ agent: 'sim', input: { steps: 2 } });
    expect(view.progress).toBe(100);
    const { logs } = await queue.getJobLogs(view.id);
    expect(logs).toEqual(['step 1 of 2', 'step 2 of 2']);
  });

  it('retries a transient failure until attempts run out', async () => {
    expect(await run({ agent: 'sim', input: { failProbability: 1 }, attempts: 3 })).toMatchObject({
      state: 'failed',
      attemptsMade: 3,
      error: { code: 'TRANSIENT', message: 'simulated failure on attempt 3' },
    });
  });

  it("fails a result that breaks the agent's output schema at once, storing none", async () => {
    const view = await run({ agent: 'test.wrong-shape', input: {}, attempts: 3 });
    expect(view).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      error: { code: 'AGENT_FAILED' },
    });
    expect(view.error?.message).toBe(
      'agent "test.wrong-shape" returned a result its output schema refuses: total: Invalid input: expected number, received string',
    );
    expect(view.result ?? null).toBeNull();
  });

  it('fails bad input at once without retrying', async () => {
    const job = await queue.add(
      'sim',
      { v: 1, agent: 'sim', input: { latencyMs: 'x' }, tenant: 't' },
      { attempts: 5 },
    );
    expect(await pool.settle(job)).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      error: { code: 'INVALID_INPUT', message: 'invalid input: latencyMs' },
    });
  });

  it('fails job data that breaks the task contract without retrying', async () => {
    const job = await queue.add('echo', { agent: 'echo' }, { attempts: 5 });
    expect(await pool.settle(job)).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      error: { code: 'INVALID_INPUT' },
    });
  });

  it('times out an attempt even when the agent ignores its signal', async () => {
    expect(await run({ agent: 'test.stubborn', timeoutMs: 200, attempts: 2 })).toMatchObject({
      state: 'failed',
      attemptsMade: 2,
      error: { code: 'TIMEOUT', message: 'timed out after 200 ms' },
    });
    // The slots were freed: the worker still runs new tasks.
    expect((await run({ agent: 'echo', input: 'after' })).result).toBe('after');
  });

  it('drops progress and log lines an agent writes after its attempt was aborted', async () => {
    const lateWrites = new Promise<void>((resolve) => (wroteLate = resolve));
    const view = await run({ agent: 'test.late-writer', timeoutMs: 200, attempts: 1 });
    expect(view).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT' } });
    await lateWrites;
    expect((await queue.getJobLogs(view.id)).logs).toEqual(['before the abort']);
    expect((await queue.getJob(view.id))?.progress).toBe(0);
  });

  it('fails with the error an agent throws synchronously, and clears its time limit', async () => {
    const timeoutMs = 987_654; // tells the time-limit timer from the worker's other timers
    const setTimer = jest.spyOn(globalThis, 'setTimeout');
    const clearTimer = jest.spyOn(globalThis, 'clearTimeout');
    try {
      expect(await run({ agent: 'test.throws-at-once', timeoutMs, attempts: 1 })).toMatchObject({
        state: 'failed',
        attemptsMade: 1,
        error: { code: 'TRANSIENT', message: 'thrown before any await' },
      });
      const index = setTimer.mock.calls.findIndex(([, delay]) => delay === timeoutMs);
      expect(index).toBeGreaterThanOrEqual(0);
      const timer = setTimer.mock.results[index]?.value;
      expect(clearTimer.mock.calls.some(([cleared]) => cleared === timer)).toBe(true);
    } finally {
      setTimer.mockRestore();
      clearTimer.mockRestore();
    }
  });
});
