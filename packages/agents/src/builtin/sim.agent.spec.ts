import { TransientError } from '../errors.js';
import { createTestContext as context } from '../testing/test-context.js';
import { simAgent, SimInputSchema } from './sim.agent.js';

const run = (input: unknown, ctx = context()) => simAgent.run(SimInputSchema.parse(input), ctx);

describe('simAgent', () => {
  it('returns its output with the latency it used', async () => {
    await expect(run({ latencyMs: 5, output: { ok: 1 } })).resolves.toEqual({
      latencyMs: 5,
      attempt: 1,
      redelivered: false,
      output: { ok: 1 },
    });
  });

  it('draws the same latency and outcome for the same seed and attempt', async () => {
    const input = { latencyMs: { min: 0, max: 20 }, seed: 7 };
    const first = await run(input);
    const second = await run(input);
    expect(second.latencyMs).toBe(first.latencyMs);
    expect(first.latencyMs).toBeGreaterThanOrEqual(0);
    expect(first.latencyMs).toBeLessThanOrEqual(20);
  });

  it('draws different latencies for different seeds', async () => {
    const latencies = new Set<number>();
    for (let seed = 0; seed < 10; seed++) {
      latencies.add((await run({ latencyMs: { min: 0, max: 50 }, seed })).latencyMs);
    }
    expect(latencies.size).toBeGreaterThan(1);
  });

  it('fails with a transient error when the failure probability is 1', async () => {
    await expect(run({ failProbability: 1 })).rejects.toBeInstanceOf(TransientError);
  });

  it('reports each step as progress and a log line', async () => {
    const ctx = context();
    await run({ latencyMs: 3, steps: 3 }, ctx);
    expect(ctx.logs).toEqual(['step 1 of 3', 'step 2 of 3', 'step 3 of 3']);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    const pending = run({ latencyMs: 60_000 }, context({ signal: controller.signal }));
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a latency range whose min exceeds its max', () => {
    expect(SimInputSchema.safeParse({ latencyMs: { min: 5, max: 1 } }).success).toBe(false);
  });
});
