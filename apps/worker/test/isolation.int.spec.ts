import type { Job } from 'bullmq';
import type { TaskJobData } from '@agentq/contracts';
import { runAgentInThread } from '../src/agent-thread.js';
import { testAgent, testPool } from './pool-fixture.js';

/** The parent's view of the fixture agents: schema only; they must run in the thread. */
const inParent = (name: string) =>
  testAgent(name, () => Promise.reject(new Error(`${name} ran in the worker's process`)));
const names = ['test.exits', 'test.spins', 'test.threaded'];
const pool = testPool('isolation', {
  agents: names.map(inParent),
  isolation: {
    agents: new Set(names),
    moduleUrl: new URL('./fixtures/unruly-agents.mjs', import.meta.url).href,
  },
});
const { queue } = pool;

beforeAll(() => pool.start());
afterAll(() => pool.stop());

async function run(agent: string, input: unknown, timeoutMs?: number) {
  const data: TaskJobData = { v: 1, agent, input, tenant: 't', timeoutMs };
  return pool.settle((await queue.add(agent, data, { attempts: 1 })) as Job<TaskJobData>);
}

describe(runAgentInThread.name, () => {
  it('runs an isolated agent in a thread with progress, logs and its result', async () => {
    const view = await run('test.threaded', { a: 2, b: 3 });
    expect(view).toMatchObject({
      state: 'completed',
      result: { sum: 5, attempt: 1 },
      progress: 50,
    });
    expect((await queue.getJobLogs(view.id)).logs).toEqual(['in a thread']);
  });

  it('fails the task with a clear error when the agent calls process.exit; the worker lives', async () => {
    expect(await run('test.exits', {})).toMatchObject({
      state: 'failed',
      error: {
        code: 'AGENT_FAILED',
        message: "the agent's thread exited (code 3) before the agent finished",
      },
    });
    expect((await run('test.threaded', { a: 1, b: 1 })).state).toBe('completed');
  });

  it('times out an agent that spins the CPU, and keeps the event loop free meanwhile', async () => {
    const ticks: number[] = [];
    const ticker = setInterval(() => ticks.push(Date.now()), 50);
    try {
      expect(await run('test.spins', {}, 500)).toMatchObject({
        state: 'failed',
        error: { code: 'TIMEOUT', message: 'timed out after 500 ms' },
      });
    } finally {
      clearInterval(ticker);
    }
    // Had the spin run on the worker's thread, no tick would have fired until the end.
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect((await run('test.threaded', { a: 1, b: 2 })).result).toEqual({ sum: 3, attempt: 1 });
  });
});
