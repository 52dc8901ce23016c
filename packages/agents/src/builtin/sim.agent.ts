import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Agent } from '../agent.js';
import { TransientError } from '../errors.js';
import { seededRandom } from './seeded-random.js';

const MAX_MS = 10 * 60 * 1000;
const duration = z.number().int().min(0).max(MAX_MS);

export const SimInputSchema = z
  .object({
    /** Time the task takes: fixed, or drawn uniformly from [min, max]. */
    latencyMs: z
      .union([
        duration,
        z
          .object({ min: duration, max: duration })
          .strict()
          .refine((range) => range.min <= range.max, { message: 'min must not exceed max' }),
      ])
      .default(0),
    /** Chance (0..1) that an attempt fails with a transient error. */
    failProbability: z.number().min(0).max(1).default(0),
    /** CPU time to burn (in slices that let the event loop breathe). */
    cpuBurnMs: duration.default(0),
    /** Progress reports (and log lines) spread over the latency. */
    steps: z.number().int().min(0).max(100).default(0),
    /** Makes latency and failures reproducible; mixed with the attempt number. */
    seed: z.number().int().optional(),
    /** Returned as the task's result. */
    output: z.unknown().optional(),
  })
  .strict();
export type SimInput = z.output<typeof SimInputSchema>;

export interface SimResult {
  latencyMs: number;
  attempt: number;
  /** Whether an earlier run was lost with its worker (see AgentContext). */
  redelivered: boolean;
  output: unknown;
}

function burnCpu(ms: number, signal: AbortSignal): Promise<void> {
  const end = performance.now() + ms;
  const slice = async (): Promise<void> => {
    while (performance.now() < end) {
      signal.throwIfAborted();
      const sliceEnd = Math.min(end, performance.now() + 20);
      while (performance.now() < sliceEnd) {
        // busy on purpose
      }
      await yieldToEventLoop();
    }
  };
  return slice();
}

/** A simulated agent for tests and load: latency, failures and CPU use on demand. */
export const simAgent: Agent<SimInput, SimResult> = {
  name: 'sim',
  version: '1.0.0',
  description: 'Simulates an agent: configurable latency, failure rate and CPU use.',
  inputSchema: SimInputSchema,
  async run(input, ctx) {
    const random =
      input.seed === undefined ? Math.random : seededRandom(input.seed * 1000 + ctx.attempt);
    const latencyMs =
      typeof input.latencyMs === 'number'
        ? input.latencyMs
        : Math.round(input.latencyMs.min + random() * (input.latencyMs.max - input.latencyMs.min));
    const fails = random() < input.failProbability;

    const slices = Math.max(1, input.steps);
    for (let step = 1; step <= slices; step++) {
      await sleep(latencyMs / slices, undefined, { signal: ctx.signal });
      if (input.steps > 0) {
        await ctx.log(`step ${step} of ${input.steps}`);
        await ctx.progress(Math.round((step / input.steps) * 100));
      }
    }
    if (input.cpuBurnMs > 0) await burnCpu(input.cpuBurnMs, ctx.signal);
    if (fails) throw new TransientError(`simulated failure on attempt ${ctx.attempt}`);
    return {
      latencyMs,
      attempt: ctx.attempt,
      redelivered: ctx.redelivered,
      output: input.output ?? null,
    };
  },
};
