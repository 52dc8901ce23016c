import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import {
  LlmChatInputSchema,
  RedisAgentState,
  TimeoutError,
  createTestContext,
  type ChatRequest,
  type ChatResult,
  type LlmClient,
} from '@agentq/agents';
import type { TaskJobData } from '@agentq/contracts';
import { ConfigError } from '@agentq/queue';
import { runAgentInThread } from '../src/agent-thread/run-in-thread.js';
import { checkIsolatedAgents } from '../src/config.js';
import { testAgent, testPool } from './pool-fixture.js';

/** The plugin modules the threads import agents from, as the worker app lists them. */
const pluginUrls = [new URL('./fixtures/unruly-agents.mjs', import.meta.url).href];
/** The jest object of a native-ESM test (this package has no @jest/globals). */
const { jest } = import.meta as ImportMeta & { jest: typeof globalThis.jest };
const llmDefaults = { defaultModel: 'test-model', presets: { tester: 'You test things.' } };

/** The parent's view of the fixture agents: schema only; they must run in the thread. */
const inParent = (name: string) =>
  testAgent(name, () => Promise.reject(new Error(`${name} ran in the worker's process`)));
const names = ['test.exits', 'test.spins', 'test.threaded', 'test.services', 'test.unawaited-lock'];
const pool = testPool('isolation', {
  agents: names.map(inParent),
  isolation: { agents: new Set([...names, 'http.request']), pluginUrls },
});
const { queue } = pool;

beforeAll(() => pool.start());
afterAll(() => pool.stop());

async function run(
  agent: string,
  input: unknown,
  options: { timeoutMs?: number; tenant?: string } = {},
) {
  const { timeoutMs, tenant = 't' } = options;
  const data: TaskJobData = { v: 1, agent, input, tenant, timeoutMs };
  return pool.settle((await queue.add(agent, data, { attempts: 1 })) as Job<TaskJobData>);
}

/** Polls `read` until it gives a value; fails when it has not after 10 s. */
async function eventually<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await sleep(50);
  }
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

  it("gives an isolated agent the task's tenant and the worker's state and LLM defaults", async () => {
    const view = await run('test.services', {}, { tenant: 'acme' });
    expect(view).toMatchObject({
      state: 'completed',
      result: {
        tenant: 'acme',
        runs: 1,
        locked: { token: 'string', last: { taskId: view.id } },
        sectionError: 'RangeError: failed while locked',
        defaultModel: 'gpt-4o-mini',
        hasDeveloperPreset: true,
      },
    });
    // Written under the task's tenant, by the worker's own services.
    const state = new RedisAgentState(pool.connection, pool.prefix, 'acme');
    expect(await state.get('last')).toEqual({ taskId: view.id });
    expect(
      await new RedisAgentState(pool.connection, pool.prefix, 't').get('last'),
    ).toBeUndefined();
    // Both sections released the lock (the failed one too): it is free at once.
    expect(await state.withLock('once', 1000, () => Promise.resolve('free'), { waitMs: 0 })).toBe(
      'free',
    );
  });

  it('releases a lock the thread left being acquired when it ended', async () => {
    // Long enough that only a release, not the key's expiry (nor a renewal), comes in time.
    const ttlMs = 20_000;
    const key = `${pool.prefix}:state:t:lock:unawaited`;
    const sent = jest.spyOn(pool.connection, 'sendCommand');
    try {
      expect(await run('test.unawaited-lock', { ttlMs })).toMatchObject({
        state: 'completed',
        result: 'returned',
      });
      // A lock left held is renewed every ttl/3 and never goes away.
      await eventually(
        'the lock released',
        async () => (await pool.connection.exists(key)) === 0 || undefined,
      );
      // Taken, then deleted by the worker's release script: not merely never taken.
      const onKey = sent.mock.calls.flatMap(([command]) =>
        ['eval', 'evalsha'].includes(command.name) && command.args[2] === key
          ? [command.promise]
          : [],
      );
      expect(await Promise.all(onKey)).toEqual([1]);
    } finally {
      sent.mockRestore();
    }
  });

  it('runs a built-in agent isolated: a refusal of its service keeps its error class', async () => {
    expect(await run('http.request', { url: 'http://not-allowed.example/' })).toMatchObject({
      state: 'failed',
      error: { code: 'INVALID_INPUT' },
    });
  });

  it("streams an isolated llm.chat through the worker's LLM client", async () => {
    const answer: ChatResult = {
      model: 'test-model',
      message: { role: 'assistant', content: 'Hello' },
      finishReason: 'stop',
      usage: { inputTokens: 3, outputTokens: 1 },
    };
    const requests: ChatRequest[] = [];
    const llm: LlmClient = {
      defaultModel: 'test-model',
      preset: () => undefined, // the thread answers presets from the defaults it was given
      chat: (request, { signal, onDelta }) => {
        requests.push(request);
        expect(signal.aborted).toBe(false);
        onDelta?.('Hel');
        onDelta?.('lo');
        return Promise.resolve(answer);
      },
    };
    const ctx = createTestContext({ llm });
    const input = LlmChatInputSchema.parse({ prompt: 'hi', role: 'tester', stream: true });
    await expect(
      runAgentInThread({ pluginUrls, agentName: 'llm.chat', input, ctx, llm: llmDefaults }),
    ).resolves.toEqual(answer);
    expect(requests).toMatchObject([
      {
        stream: true,
        messages: [
          { role: 'system', content: 'You test things.' },
          { role: 'user', content: 'hi' },
        ],
      },
    ]);
    expect(ctx.progressUpdates.at(-1)).toEqual({ text: 'Hello' });
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
      expect(await run('test.spins', {}, { timeoutMs: 500 })).toMatchObject({
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

  it('starts no thread for a task aborted before it', async () => {
    const controller = new AbortController();
    controller.abort(new TimeoutError('timed out'));
    const ctx = createTestContext({ signal: controller.signal });
    const input = { a: 1, b: 2 };
    await expect(
      runAgentInThread({ pluginUrls, agentName: 'test.threaded', input, ctx, llm: llmDefaults }),
    ).rejects.toThrow('timed out');
    expect(ctx.progressUpdates).toEqual([]);
  });

  it('terminates the thread of an agent that spins the CPU when its task is aborted', async () => {
    const controller = new AbortController();
    const ctx = createTestContext({ signal: controller.signal });
    const running = runAgentInThread({
      pluginUrls,
      agentName: 'test.spins',
      input: {},
      ctx,
      llm: llmDefaults,
    });
    // The agent's loop bumps this shared counter on every turn.
    const counter = await eventually('the counter handed out', () => {
      const first = ctx.progressUpdates[0] as { counter: Int32Array } | undefined;
      return first?.counter;
    });
    const before = Atomics.load(counter, 0);
    await eventually('the loop running', () => Atomics.load(counter, 0) > before || undefined);
    controller.abort(new TimeoutError('timed out'));
    await expect(running).rejects.toThrow('timed out');
    // A live loop moves the counter millions of times between two polls; only a terminated
    // thread leaves it still. Without the terminate this never holds and the test fails.
    let last = -1;
    let stillFor = 0;
    await eventually('the loop stopping', () => {
      const now = Atomics.load(counter, 0);
      stillFor = now === last ? stillFor + 1 : 0;
      last = now;
      return stillFor >= 4 || undefined;
    });
  });
});

describe(checkIsolatedAgents.name, () => {
  it('refuses an isolated agent the worker does not have, naming the variable', () => {
    const check = () => checkIsolatedAgents(new Set(['echo', 'acme.scrape']), ['echo', 'sim']);
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(
      'AGENTQ_WORKER_ISOLATED_AGENTS: no agent named "acme.scrape" (known: echo, sim)',
    );
    expect(() => checkIsolatedAgents(new Set(['echo']), ['echo', 'sim'])).not.toThrow();
  });
});
