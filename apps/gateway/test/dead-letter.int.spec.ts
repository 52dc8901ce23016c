import { UnrecoverableError, type Job } from 'bullmq';
import type { TaskJobData } from '@agentq/contracts';
import { addDeadLetter, type DeadLetter } from '@agentq/queue';
import { useGateway, idFor } from './gateway-harness.js';

const gateway = useGateway();

/** A dead letter as the worker writes it, for a task that never existed as a job here. */
function letter(taskId: string, failedAt: number, tenant = 'default', pool = 'default') {
  const entry: DeadLetter = {
    pool,
    taskId,
    name: 'echo',
    data: { v: 1, agent: 'echo', input: { taskId }, tenant, metadata: { team: 'a' } },
    opts: { attempts: 2, priority: 2 },
    failedReason: '[TRANSIENT] upstream 502',
    attemptsMade: 2,
    attempts: [1, 2].map((attempt) => ({
      attempt,
      code: 'TRANSIENT',
      message: 'upstream 502',
      at: failedAt - 10 * (2 - attempt),
      startedAt: failedAt - 10 * (2 - attempt) - 5,
    })),
    createdAt: failedAt - 100,
    failedAt,
  };
  return addDeadLetter(gateway.redis, gateway.prefix, entry);
}

/** What the worker app does once a task failed for good (the worker is not under test). */
function deadLetterOf(job: Job<TaskJobData>) {
  return addDeadLetter(gateway.redis, gateway.prefix, {
    pool: 'large',
    taskId: job.id ?? '',
    name: job.name,
    data: job.data,
    opts: { ...job.opts },
    failedReason: job.failedReason,
    attemptsMade: job.attemptsMade,
    attempts: [],
    createdAt: job.timestamp,
    failedAt: job.finishedOn ?? Date.now(),
  });
}

describe('GET /v1/dead-letter', () => {
  beforeAll(async () => {
    await letter(idFor('list-1'), 1_000);
    await letter(idFor('list-2'), 3_000);
    await letter(idFor('list-3'), 2_000, 'default', 'large');
    await letter(idFor('list-other'), 4_000, 'someone-else');
  });

  it("pages the caller's dead letters newest first, with their spec and every attempt", async () => {
    const first = await gateway.request('GET', '/v1/dead-letter?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.nextOffset).toBe(2);
    expect(first.body.deadLetters.map((d: { id: string }) => d.id)).toEqual([
      idFor('list-2'),
      idFor('list-3'),
    ]);
    expect(first.body.deadLetters[0]).toEqual({
      id: idFor('list-2'),
      pool: 'default',
      agent: 'echo',
      priority: 'high',
      input: { taskId: idFor('list-2') },
      metadata: { team: 'a' },
      error: { code: 'TRANSIENT', message: 'upstream 502' },
      attemptsMade: 2,
      runs: 2,
      attempts: [
        {
          attempt: 1,
          code: 'TRANSIENT',
          message: 'upstream 502',
          failedAt: new Date(2_990).toISOString(),
          startedAt: new Date(2_985).toISOString(),
        },
        {
          attempt: 2,
          code: 'TRANSIENT',
          message: 'upstream 502',
          failedAt: new Date(3_000).toISOString(),
          startedAt: new Date(2_995).toISOString(),
        },
      ],
      createdAt: new Date(2_900).toISOString(),
      failedAt: new Date(3_000).toISOString(),
    });
    const second = await gateway.request('GET', '/v1/dead-letter?limit=2&offset=2');
    expect(second.body.deadLetters.map((d: { id: string }) => d.id)).toEqual([idFor('list-1')]);
    expect(second.body.nextOffset).toBeNull();
  });

  it('narrows to one pool', async () => {
    const large = await gateway.request('GET', '/v1/dead-letter?pool=large');
    expect(large.body.deadLetters.map((d: { id: string }) => d.id)).toEqual([idFor('list-3')]);
    expect(large.body.total).toBe(1);
  });

  it("reads one dead letter, and answers 404 for another tenant's", async () => {
    expect((await gateway.request('GET', `/v1/dead-letter/${idFor('list-1')}`)).body.id).toBe(
      idFor('list-1'),
    );
    const other = await gateway.request('GET', `/v1/dead-letter/${idFor('list-other')}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
    expect((await gateway.request('GET', '/v1/dead-letter/nope')).status).toBe(404);
  });

  it('answers 400 for a bad page or pool', async () => {
    for (const query of ['limit=0', 'limit=x', 'offset=-1', 'pool=Not_A_Pool']) {
      const answer = await gateway.request('GET', `/v1/dead-letter?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('POST /v1/dead-letter/redrive', () => {
  const redrive = (body: unknown) => gateway.request('POST', '/v1/dead-letter/redrive', body);

  it('runs a task that failed for good again, under its id, with fresh attempts', async () => {
    const runs = new Map<string, number>();
    const worker = await gateway.startWorker('large', (job) => {
      const run = (runs.get(job.id ?? '') ?? 0) + 1;
      runs.set(job.id ?? '', run);
      if (run === 1) throw new UnrecoverableError('[AGENT_FAILED] first run fails');
      return Promise.resolve(job.data.input);
    });
    const failed = new Promise<Job<TaskJobData>>((resolve) =>
      worker.once('failed', (job) => job && resolve(job)),
    );
    const submitted = await gateway.request('POST', '/v1/tasks', {
      agent: 'echo',
      pool: 'large',
      input: { n: 7 },
      attempts: 1,
    });
    const id = submitted.body.id as string;
    await deadLetterOf(await failed);

    const answer = await redrive({ ids: [id] });
    expect(answer.status).toBe(200);
    // The three listed above are left.
    expect(answer.body).toEqual({ redriven: [id], notFound: [], conflicts: [], remaining: 3 });
    const done = await gateway.request('GET', `/v1/tasks/${id}?wait=30`);
    expect(done.body).toMatchObject({ state: 'completed', result: { n: 7 }, attemptsMade: 1 });
    expect((await gateway.request('GET', `/v1/dead-letter/${id}`)).status).toBe(404);
    // Its id is taken by a live task now: a second redrive has nothing to run.
    expect((await redrive({ ids: [id] })).body.notFound).toEqual([id]);
  });

  it("treats another tenant's entries and unknown ids as not found", async () => {
    await letter(idFor('mixed-own'), 5_000);
    await letter(idFor('mixed-other'), 5_000, 'someone-else');
    const answer = await redrive({
      ids: [idFor('mixed-own'), idFor('mixed-other'), idFor('mixed-none')],
    });
    expect(answer.body.redriven).toEqual([idFor('mixed-own')]);
    expect(answer.body.notFound.sort()).toEqual([idFor('mixed-none'), idFor('mixed-other')].sort());
    expect((await gateway.request('GET', `/v1/tasks/${idFor('mixed-own')}`)).body.state).toBe(
      'waiting',
    );
  });

  it('reports a conflict when the id belongs to a task that is not failed', async () => {
    const submitted = await gateway.request('POST', '/v1/tasks', { agent: 'echo' });
    const id = submitted.body.id as string;
    await addDeadLetter(gateway.redis, gateway.prefix, {
      pool: 'default',
      taskId: id,
      name: 'echo',
      data: { v: 1, agent: 'echo', input: null, tenant: 'default' },
      opts: {},
      failedReason: '[TRANSIENT] x',
      attemptsMade: 1,
      attempts: [],
      createdAt: 1,
      failedAt: 2,
    });
    const answer = await redrive({ ids: [id] });
    expect(answer.body.conflicts).toEqual([{ id, state: 'prioritized' }]);
  });

  it("re-drives a pool's oldest dead letters, at most `limit`, and says how many are left", async () => {
    for (let i = 0; i < 3; i += 1) await letter(`pool-${i}`, 10_000 + i, 'default', 'large');
    await letter('pool-other', 9_000, 'someone-else', 'large');
    const before = (await gateway.request('GET', '/v1/dead-letter?pool=large')).body.total;
    const answer = await redrive({ pool: 'large', limit: 2 });
    expect(answer.status).toBe(200);
    expect(answer.body.redriven).toHaveLength(2);
    expect(answer.body.remaining).toBe(before - 2);
    expect(answer.body.redriven).not.toContain('pool-other');
  });

  it('answers 400 for a body that does not say what to re-drive', async () => {
    const bad = [
      {},
      { ids: ['a'], pool: 'default' },
      { ids: [] },
      { ids: ['not an id!'] },
      { pool: 'default', limit: 5000 },
      { ids: ['a'], limit: 2 },
      { pool: 'nowhere' },
      { ids: ['a'], extra: true },
    ];
    for (const body of bad) {
      const answer = await redrive(body);
      expect([answer.status, body]).toEqual([400, body]);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
