import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedis, createRedis } from '@agentq/queue';
import type { AppProcess } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { startGateway } from '../helpers/system.js';

/*
 * AGENTQ_REDIS_ACK_REPLICAS: a submit is acknowledged (201) only once a replica has it, so a
 * master lost right after answering cannot take an acknowledged task with it; when no
 * replica confirms in time the answer is 504 OUTCOME_UNKNOWN, naming the task, which a GET
 * then finds.
 */
const prefix = `ack-${randomUUID().slice(0, 8)}`;
let master: TestRedisServer;
let replica: TestRedisServer;
let gateway: { app: AppProcess; url: string };

beforeAll(async () => {
  master = await TestRedisServer.create({ aof: false });
  await master.start();
  replica = await TestRedisServer.create({
    aof: false,
    args: ['--replicaof', '127.0.0.1', String(master.port)],
  });
  await replica.start();
  const redis = createRedis(master.url, 'worker', 'test-ack-master');
  try {
    const deadline = Date.now() + 20_000;
    // Online: past the initial sync (diskless, after a delay), when it takes every write.
    while (!(await redis.info('replication')).includes('state=online')) {
      if (Date.now() > deadline) throw new Error('the replica did not connect');
      await sleep(100);
    }
  } finally {
    await closeRedis(redis);
  }
  gateway = await startGateway({
    REDIS_URL: master.url,
    AGENTQ_PREFIX: prefix,
    AGENTQ_REDIS_ACK_REPLICAS: '1',
    AGENTQ_REDIS_ACK_TIMEOUT_MS: '300',
  });
}, 60_000);

afterAll(async () => {
  expect(await gateway.app.stop()).toBe(0);
  await Promise.all([replica.remove(), master.remove()]);
});

const submit = () => http('POST', `${gateway.url}/v1/tasks`, { agent: 'echo', input: 1 });

describe('AGENTQ_REDIS_ACK_REPLICAS', () => {
  it('acknowledges a submit once a replica has it', async () => {
    const answer = await submit();
    expect(answer.status).toBe(201);
    const id = (answer.body as { id: string }).id;
    const onReplica = createRedis(replica.url, 'worker', 'test-ack-replica');
    try {
      expect(await onReplica.exists(`${prefix}:agentq-default:${id}`)).toBe(1);
    } finally {
      await closeRedis(onReplica);
    }
  });

  it('answers 504 OUTCOME_UNKNOWN, naming the task, when no replica confirms in time', async () => {
    await replica.stop();
    const answer = await submit();
    expect(answer.status).toBe(504);
    expect(answer.body).toMatchObject({ error: { code: 'OUTCOME_UNKNOWN' } });
    const id = (answer.body as { error: { details: { taskId: string } } }).error.details.taskId;
    // Here the master kept it: the GET the answer points to finds it.
    expect((await http('GET', `${gateway.url}/v1/tasks/${id}`)).status).toBe(200);
  });
});
