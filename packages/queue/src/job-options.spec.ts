import { TaskSpecSchema } from '@agentq/contracts';
import { DEFAULT_RETENTION, taskJobOptions } from './job-options.js';

describe(taskJobOptions.name, () => {
  it('maps a spec to BullMQ options with bounded retention', () => {
    const spec = TaskSpecSchema.parse({ agent: 'echo', priority: 'high', delayMs: 500 });
    expect(taskJobOptions(spec, 'id-1')).toEqual({
      jobId: 'id-1',
      priority: 2,
      delay: 500,
      attempts: 5,
      backoff: { type: 'agentq-exponential' },
      removeOnComplete: { age: DEFAULT_RETENTION.completedAgeSeconds, count: 1_000_000 },
      removeOnFail: { age: DEFAULT_RETENTION.failedAgeSeconds, count: 1_000_000 },
    });
  });

  it("uses the task's own attempts and backoff", () => {
    const spec = TaskSpecSchema.parse({
      agent: 'echo',
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 250 },
    });
    expect(taskJobOptions(spec, 'id-2')).toMatchObject({
      attempts: 2,
      backoff: { type: 'agentq-fixed', delay: 250 },
      delay: undefined,
    });
  });
});
