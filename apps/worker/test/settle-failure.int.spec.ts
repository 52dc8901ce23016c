import { Queue, RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { pino } from 'pino';
import { InvalidInputError, TransientError } from '@agentq/agents';
import { createRedis, deleteKeysByPrefix, readAttempts } from '@agentq/queue';
import { HandBackError } from '../src/hand-back.js';
import { FailureSettler, settledFailureOf } from '../src/settle-failure.js';
import { REDIS_URL } from './pool-fixture.js';

const prefix = `agentq-test-settle-${process.pid}`;
const redis = createRedis(REDIS_URL, 'worker', 'test-settle');
const queue = new Queue('agentq-default', { connection: redis, prefix });
const settler = new FailureSettler({
  redis,
  prefix,
  logger: pino({ level: 'silent' }),
  defaultTimeoutMs: 60_000,
  maxHoldMs: 60_000,
});

afterAll(async () => {
  await queue.close();
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

/** A stored task on its `attemptsMade + 1`th attempt of `attempts`. */
async function attemptOf(id: string, attemptsMade: number, attempts: number): Promise<Job> {
  const job = await queue.add('echo', { tenant: 't' }, { jobId: id, attempts });
  job.attemptsMade = attemptsMade;
  return job;
}

/** What the processor throws after settling `error`. */
async function settle(job: Job, error: unknown): Promise<unknown> {
  return settler
    .attemptFailed(job, undefined, error, {}, Date.now())
    .catch((thrown: unknown) => thrown);
}

describe(FailureSettler.name, () => {
  it('retries a failure while attempts remain, recording the attempt', async () => {
    const job = await attemptOf('retry', 0, 3);
    const thrown = await settle(job, new TransientError('try again'));
    expect(thrown).not.toBeInstanceOf(UnrecoverableError);
    expect(settledFailureOf(thrown)?.taskError).toEqual({
      code: 'TRANSIENT',
      message: 'try again',
    });
    expect(settledFailureOf(thrown)?.final).toBe(false);
    expect((thrown as Error).message).toBe('[TRANSIENT] try again');
    const [record] = await readAttempts(redis, prefix, queue.name, 'retry');
    expect(record).toMatchObject({ attempt: 1, code: 'TRANSIENT', message: 'try again' });
  });

  it('settles the last attempt as final', async () => {
    const thrown = await settle(await attemptOf('last', 2, 3), new TransientError('still'));
    expect(settledFailureOf(thrown)?.final).toBe(true);
  });

  it('fails a task at once for a failure no retry can mend', async () => {
    const thrown = await settle(await attemptOf('bad', 0, 5), new InvalidInputError('no'));
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect(settledFailureOf(thrown)?.taskError).toEqual({ code: 'INVALID_INPUT', message: 'no' });
    expect(settledFailureOf(thrown)?.final).toBe(true);
  });

  it('hands a task back without settling an attempt', async () => {
    const thrown = await settle(await attemptOf('back', 4, 5), new HandBackError('draining'));
    expect(thrown).toBeInstanceOf(RateLimitError);
    expect(settledFailureOf(thrown)).toBeUndefined();
  });
});
