import { TaskSpecSchema, TaskJobDataSchema, isFinalState } from './task.js';
import { poolOfQueue, queueName } from './pool.js';

function issuePaths(value: unknown): string[] {
  const result = TaskSpecSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => issue.path.join('.'));
}

describe('TaskSpecSchema', () => {
  it('fills in defaults for a minimal spec', () => {
    expect(TaskSpecSchema.parse({ agent: 'echo' })).toEqual({
      agent: 'echo',
      input: {},
      priority: 'normal',
      pool: 'default',
      delayMs: 0,
    });
  });

  it('accepts a complete spec', () => {
    const spec = {
      agent: 'llm.chat',
      input: { prompt: 'hi' },
      priority: 'critical',
      pool: 'gpu-large',
      delayMs: 1000,
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 500 },
      timeoutMs: 60_000,
      idempotencyKey: 'order-42',
      metadata: { customer: 'acme', retries: 2, vip: true },
    };
    expect(TaskSpecSchema.parse(spec)).toEqual(spec);
  });

  it.each([
    [{}, ['agent']],
    [{ agent: 'Bad Name' }, ['agent']],
    [{ agent: 'echo', priority: 'urgent' }, ['priority']],
    [{ agent: 'echo', pool: 'Has:Colon' }, ['pool']],
    [{ agent: 'echo', delayMs: -1 }, ['delayMs']],
    [{ agent: 'echo', delayMs: 1.5 }, ['delayMs']],
    [{ agent: 'echo', attempts: 0 }, ['attempts']],
    [{ agent: 'echo', attempts: 1e9 }, ['attempts']],
    [{ agent: 'echo', timeoutMs: 10 }, ['timeoutMs']],
    [{ agent: 'echo', backoff: { type: 'linear', delayMs: 100 } }, ['backoff.type']],
    [{ agent: 'echo', idempotencyKey: 'a:b' }, ['idempotencyKey']],
    [{ agent: 'echo', idempotencyKey: '12345' }, ['idempotencyKey']],
    [{ agent: 'echo', idempotencyKey: '' }, ['idempotencyKey']],
    [{ agent: 'echo', metadata: { nested: { a: 1 } } }, ['metadata.nested']],
    [{ agent: 'echo', unknownField: 1 }, ['']],
  ])('rejects %j naming %j', (spec, paths) => {
    expect(issuePaths(spec)).toEqual(paths);
  });

  it('rejects metadata with too many keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(issuePaths({ agent: 'echo', metadata })).toEqual(['metadata']);
  });

  it('rejects metadata larger than 4 KiB', () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`key${i}`, 'x'.repeat(256)]),
    );
    expect(issuePaths({ agent: 'echo', metadata })).toEqual(['metadata']);
  });
});

describe('TaskJobDataSchema', () => {
  it('rejects job data of another version', () => {
    const data = { v: 2, agent: 'echo', input: {}, tenant: 't' };
    expect(TaskJobDataSchema.safeParse(data).success).toBe(false);
  });
});

describe('queueName', () => {
  it('names the queue after the pool without a colon', () => {
    expect(queueName('default')).toBe('agentq-default');
  });

  it('is undone by poolOfQueue, which knows no other queue', () => {
    expect(poolOfQueue(queueName('gpu-large'))).toBe('gpu-large');
    expect(poolOfQueue('emails')).toBeUndefined();
  });
});

describe('isFinalState', () => {
  it('treats completed, failed and cancelled as final', () => {
    expect(
      ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'].map((s) =>
        isFinalState(s as never),
      ),
    ).toEqual([false, false, false, true, true, true]);
  });
});
