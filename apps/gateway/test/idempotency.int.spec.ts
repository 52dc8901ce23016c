import { DEFAULT_RETENTION } from '@agentq/queue';
import { gatewayKeys } from '../src/gateway-keys.js';
import { useGateway } from './gateway-harness.js';

const gateway = useGateway();

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  gateway.request('POST', '/v1/tasks', payload, headers);
const backlog = async () => {
  const counts = await gateway.queues.get('default')!.getJobCounts('waiting', 'prioritized');
  return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
};

describe('POST /v1/tasks with an idempotency key', () => {
  it('answers a repeated submit with the first task (200, same id) and enqueues nothing', async () => {
    const before = await backlog();
    const first = await post({ agent: 'echo', input: { n: 1 }, idempotencyKey: 'order-1' });
    const second = await post({ input: { n: 1 }, agent: 'echo', idempotencyKey: 'order-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, state: 'waiting' });
    expect(await backlog()).toBe(before + 1);
  });

  it('takes the key from the Idempotency-Key header too', async () => {
    const first = await post({ agent: 'echo' }, { 'idempotency-key': 'hdr-1' });
    const second = await post({ agent: 'echo', idempotencyKey: 'hdr-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  it('answers 409 when the key comes back with a different body', async () => {
    await post({ agent: 'echo', input: 1, idempotencyKey: 'order-2' });
    const response = await post({ agent: 'echo', input: 2, idempotencyKey: 'order-2' });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('CONFLICT');
  });

  it('rejects a header that disagrees with the body field', async () => {
    const response = await post({ agent: 'echo', idempotencyKey: 'a' }, { 'idempotency-key': 'b' });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('headers.idempotency-key');
  });

  it('creates exactly one task for a burst of concurrent submits with one key', async () => {
    const before = await backlog();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post({ agent: 'echo', idempotencyKey: 'burst' })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(11);
    expect(new Set(answers.map((a) => a.body.id as string)).size).toBe(1);
    expect(await backlog()).toBe(before + 1);
  });

  it('lets another key, or no key, create new tasks', async () => {
    const a = await post({ agent: 'echo', idempotencyKey: 'k-a' });
    const b = await post({ agent: 'echo', idempotencyKey: 'k-b' });
    const c = await post({ agent: 'echo' });
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
  });
});

describe('idempotency claims of delayed tasks', () => {
  const DAY_S = 24 * 3600;
  /** The longest retention (the harness keeps the defaults): failed tasks, 7 days. */
  const RETENTION_S = Math.max(
    DEFAULT_RETENTION.completedAgeSeconds,
    DEFAULT_RETENTION.failedAgeSeconds,
  );
  /** The claim's TTL is `seconds`, set a moment ago (a slow machine may take seconds between). */
  const expectClaimTtl = async (taskId: string, seconds: number) => {
    const ttl = await gateway.redis.ttl(gatewayKeys.idempotency(gateway.prefix, taskId));
    expect(ttl).toBeGreaterThan(seconds - 60);
    expect(ttl).toBeLessThanOrEqual(seconds);
  };

  it('keeps the claim for the delay plus the longest retention', async () => {
    const delayMs = 30 * DAY_S * 1000;
    const answer = await post({ agent: 'echo', delayMs, idempotencyKey: 'later-1' });
    expect(answer.status).toBe(201);
    await expectClaimTtl(answer.body.id as string, 30 * DAY_S + RETENTION_S);
    const now = await post({ agent: 'echo', idempotencyKey: 'now-1' });
    await expectClaimTtl(now.body.id as string, RETENTION_S);
  });

  it("keeps a batch's claims for its largest delay plus the longest retention", async () => {
    const answer = await gateway.request('POST', '/v1/tasks/batch', {
      tasks: [
        { agent: 'echo', idempotencyKey: 'later-2' },
        { agent: 'echo', delayMs: 10 * DAY_S * 1000, idempotencyKey: 'later-3' },
        { agent: 'echo', delayMs: 5 * DAY_S * 1000 },
      ],
    });
    expect(answer.status).toBe(201);
    const [first, second] = answer.body.tasks as { id: string }[];
    for (const task of [first, second]) await expectClaimTtl(task!.id, 10 * DAY_S + RETENTION_S);
  });
});
