import { isDeepStrictEqual } from 'node:util';
import { DeadLetterListQuerySchema, TaskListQuerySchema, WaitQuerySchema } from '@agentq/contracts';
import { addDeadLetter, countDeadLetters, getDeadLetter, type DeadLetter } from '@agentq/queue';
import { DeadLetterBoardAdapter } from '../src/admin/dead-letter-board-adapter.js';
import { startGateway, useGateway } from './gateway-harness.js';

/** The part of a JSON Schema these tests read. */
interface JsonSchema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

/** Whether an object has every required key of a closed object schema and no other. */
function fitsObject(schema: JsonSchema, body: Record<string, unknown>): boolean {
  const known = Object.keys(schema.properties ?? {});
  return (
    (schema.required ?? []).every((key) => Object.hasOwn(body, key)) &&
    Object.keys(body).every((key) => known.includes(key))
  );
}

describe('API documentation', () => {
  const gateway = useGateway();

  it('serves an OpenAPI document generated from the contracts', async () => {
    const response = await gateway.request('GET', '/docs/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.0.3');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/tasks',
        '/v1/tasks/batch',
        '/v1/tasks/{id}/events',
        '/v1/workflows',
        '/v1/workflows/{id}/events',
        '/v1/pools',
        '/v1/dead-letter',
        '/v1/dead-letter/redrive',
      ]),
    );
    const spec =
      response.body.paths['/v1/tasks'].post.requestBody.content['application/json'].schema;
    expect(spec.required).toEqual(['agent']);
    expect(spec.properties.priority.enum).toEqual(['critical', 'high', 'normal', 'low']);
  });

  it('documents every query parameter as the schema the controller parses it with', async () => {
    const { paths } = (await gateway.request('GET', '/docs/openapi.json')).body;
    const queryOf = (path: string, method: string): Record<string, Parameter> =>
      Object.fromEntries(
        (paths[path][method].parameters as Parameter[])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => [parameter.name, parameter]),
      );

    const list = queryOf('/v1/tasks', 'get');
    expect(Object.keys(list).sort()).toEqual(Object.keys(TaskListQuerySchema.shape).sort());
    for (const parameter of Object.values(list)) {
      expect(parameter.required).toBe(false);
      expect(parameter.description).toEqual(expect.any(String));
    }
    expect(list.state?.schema.enum).toEqual(TaskListQuerySchema.shape.state.unwrap().options);
    const limit = TaskListQuerySchema.shape.limit;
    expect(list.limit?.schema).toMatchObject({
      type: 'integer',
      minimum: limit.unwrap().minValue,
      maximum: limit.unwrap().maxValue,
      default: limit.def.defaultValue,
    });
    expect(list.cursor?.schema).toMatchObject({ type: 'string', minLength: 1 });

    const deadLetters = queryOf('/v1/dead-letter', 'get');
    expect(Object.keys(deadLetters).sort()).toEqual(
      Object.keys(DeadLetterListQuerySchema.shape).sort(),
    );
    expect(deadLetters.offset?.schema).toMatchObject({
      type: 'integer',
      minimum: DeadLetterListQuerySchema.shape.offset.unwrap().minValue,
      maximum: DeadLetterListQuerySchema.shape.offset.unwrap().maxValue,
    });

    const wait = WaitQuerySchema.shape.wait.unwrap();
    for (const [path, method] of [
      ['/v1/tasks', 'post'],
      ['/v1/tasks/{id}', 'get'],
      ['/v1/workflows/{id}', 'get'],
    ] as const) {
      expect(queryOf(path, method).wait).toMatchObject({
        required: false,
        schema: { type: 'number', minimum: wait.minValue, maximum: wait.maxValue },
      });
    }
  });

  it('refuses past the documented bounds and accepts within them', async () => {
    const { paths } = (await gateway.request('GET', '/docs/openapi.json')).body;
    const list = Object.fromEntries(
      (paths['/v1/tasks'].get.parameters as Parameter[]).map((p) => [p.name, p.schema]),
    );
    for (const state of list.state?.enum ?? []) {
      expect((await gateway.request('GET', `/v1/tasks?state=${String(state)}`)).status).toBe(200);
    }
    expect((await gateway.request('GET', '/v1/tasks?state=paused')).status).toBe(400);
    const { minimum = NaN, maximum = NaN } = list.limit ?? {};
    expect((await gateway.request('GET', `/v1/tasks?limit=${maximum}`)).status).toBe(200);
    expect((await gateway.request('GET', `/v1/tasks?limit=${maximum + 1}`)).status).toBe(400);
    expect((await gateway.request('GET', `/v1/tasks?limit=${minimum - 1}`)).status).toBe(400);
    const wait = (paths['/v1/tasks'].post.parameters as Parameter[]).find((p) => p.name === 'wait');
    const tooLong = (wait?.schema.maximum ?? NaN) + 1;
    const refused = await gateway.request('POST', `/v1/tasks?wait=${tooLong}`, { agent: 'echo' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'query.wait' })]);
  });

  it('documents the task view as what POST /v1/tasks answers with ?wait=', async () => {
    const { paths } = (await gateway.request('GET', '/docs/openapi.json')).body;
    const taskView: JsonSchema =
      paths['/v1/tasks/{id}'].get.responses['200'].content['application/json'].schema;
    const submit = paths['/v1/tasks'].post.responses;
    for (const status of ['200', '201']) {
      const variants: JsonSchema[] = submit[status].content['application/json'].schema.oneOf;
      expect(variants).toContainEqual(taskView);
      expect(variants).toHaveLength(2);
      expect(submit[status].description).toContain('?wait=');
    }
    const view = taskView;
    const accepted = (submit['201'].content['application/json'].schema.oneOf as JsonSchema[]).find(
      (variant) => !isDeepStrictEqual(variant, taskView),
    );
    if (!accepted) throw new Error('no second answer documented');

    // A pool without a worker: `wait=0` answers at once, with the task still waiting.
    const waited = await gateway.request('POST', '/v1/tasks?wait=0', {
      agent: 'echo',
      pool: 'large',
    });
    expect(waited.status).toBe(201);
    expect(waited.body.state).toBe('waiting');
    expect(fitsObject(view, waited.body)).toBe(true);
    expect(fitsObject(accepted, waited.body)).toBe(false);

    const queued = await gateway.request('POST', '/v1/tasks', { agent: 'echo', pool: 'large' });
    expect(queued.status).toBe(201);
    expect(fitsObject(accepted, queued.body)).toBe(true);
    expect(fitsObject(view, queued.body)).toBe(false);
  });

  it('serves a browsable page whose scripts come from the gateway itself', async () => {
    const page = await gateway.request('GET', '/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const script = await gateway.request('GET', '/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await gateway.request('GET', '/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('keeps Bull Board off unless enabled', async () => {
    expect((await gateway.request('GET', '/admin/queues')).status).toBe(404);
  });
});

describe('Bull Board', () => {
  it('shows every pool queue and the dead-letter list at /admin/queues to a key with the admin scope', async () => {
    const gateway = await startGateway(
      { AGENTQ_GATEWAY_ADMIN_UI: 'true' },
      { keys: { operator: { tenant: 'ops', scopes: ['admin'] } } },
    );
    try {
      const page = await gateway.requestWith(gateway.keys.operator ?? '', 'GET', '/admin/queues');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const basic = Buffer.from(`ops:${gateway.keys.operator}`).toString('base64');
      const api = await gateway.requestWith(null, 'GET', '/admin/queues/api/queues', undefined, {
        authorization: `Basic ${basic}`,
      });
      expect(api.status).toBe(200);
      const names = (api.body.queues as { name: string; readOnlyMode: boolean }[]).map(
        (q) => q.name,
      );
      expect(names.sort()).toEqual(['agentq-default', 'agentq-large', 'dead-letter']);
      expect(api.body.queues[0].readOnlyMode).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('asks a browser for the key (401, Basic) and refuses keys without the admin scope', async () => {
    const gateway = await startGateway(
      { AGENTQ_GATEWAY_ADMIN_UI: 'true' },
      { keys: { worker: { tenant: 'default', scopes: ['tasks:read', 'tasks:write'] } } },
    );
    try {
      const anonymous = await gateway.requestWith(null, 'GET', '/admin/queues');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="agentq admin"');
      expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
      const api = await gateway.requestWith(
        gateway.keys.worker ?? '',
        'PUT',
        '/admin/queues/api/queues/pause',
      );
      expect(api.status).toBe(403);
      expect(api.body.error.code).toBe('FORBIDDEN');
    } finally {
      await gateway.close();
    }
  });
});

describe(DeadLetterBoardAdapter.name, () => {
  // Pool queues writable here, so every refusal below is the dead-letter list's own.
  const gateway = useGateway(
    { AGENTQ_GATEWAY_ADMIN_UI: 'true', AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY: 'false' },
    { keys: { operator: { tenant: 'ops', scopes: ['admin'] } } },
  );
  const board = (method: string, path: string) =>
    gateway.requestWith(gateway.keys.operator ?? '', method, `/admin/queues/api${path}`);

  /** An echo task that timed out, then failed for good on a 502, at `failedAt`. */
  function deadLetter(taskId: string, failedAt: number, pool: string): DeadLetter {
    return {
      pool,
      taskId,
      name: 'echo',
      data: { v: 1, agent: 'echo', input: { taskId }, tenant: 'default' },
      opts: { attempts: 2, priority: 3 },
      failedReason: '[TRANSIENT] upstream 502',
      attemptsMade: 2,
      attempts: [
        { attempt: 1, code: 'TIMEOUT', message: 'took longer than 30s', at: failedAt - 10 },
        {
          attempt: 2,
          code: 'TRANSIENT',
          message: 'upstream 502',
          at: failedAt,
          startedAt: failedAt - 5,
        },
      ],
      createdAt: failedAt - 100,
      failedAt,
    };
  }

  beforeAll(async () => {
    for (const [taskId, failedAt, pool] of [
      ['dl-old', 1_000, 'default'],
      ['dl-new', 3_000, 'large'],
      ['dl-mid', 2_000, 'default'],
    ] as const) {
      await addDeadLetter(gateway.redis, gateway.prefix, deadLetter(taskId, failedAt, pool));
    }
  });

  it('lists the dead letters as failed jobs of a read-only queue, newest first, with every attempt', async () => {
    const first = await board(
      'GET',
      '/queues?activeQueue=dead-letter&status=failed&page=1&jobsPerPage=2',
    );
    expect(first.status).toBe(200);
    const queues = first.body.queues as { name: string; readOnlyMode: boolean }[];
    expect(queues.find((queue) => queue.name === 'agentq-default')?.readOnlyMode).toBe(false);
    const queue = queues.find((candidate) => candidate.name === 'dead-letter');
    expect(queue).toMatchObject({
      description: 'tasks that failed for good; re-drive through POST /v1/dead-letter/redrive',
      readOnlyMode: true,
      allowRetries: false,
      isPaused: false,
      statuses: ['latest', 'failed'],
      pagination: { pageCount: 2, range: { start: 0, end: 1 } },
      counts: {
        active: 0,
        waiting: 0,
        'waiting-children': 0,
        prioritized: 0,
        completed: 0,
        failed: 3,
        delayed: 0,
        paused: 0,
      },
    });
    const jobs = (queue as unknown as { jobs: { id: string }[] }).jobs;
    // Board ids are `<pool>:<task id>`: a task id may have failed for good in several pools.
    expect(jobs.map((job) => job.id)).toEqual(['large:dl-new', 'default:dl-mid']);
    expect(jobs[0]).toMatchObject({
      name: 'echo',
      data: deadLetter('dl-new', 3_000, 'large').data,
      opts: { attempts: 2, priority: 3 },
      failedReason: '[TRANSIENT] upstream 502',
      isFailed: true,
      attempts: 2,
      timestamp: 2_900,
      processedOn: 2_995,
      finishedOn: 3_000,
      // Newest first, as the board shows a BullMQ job's stack traces.
      stacktrace: [
        'attempt 2 failed at 1970-01-01T00:00:03.000Z (started 1970-01-01T00:00:02.995Z): [TRANSIENT] upstream 502',
        'attempt 1 failed at 1970-01-01T00:00:02.990Z: [TIMEOUT] took longer than 30s',
      ],
    });

    const second = await board(
      'GET',
      '/queues?activeQueue=dead-letter&status=failed&page=2&jobsPerPage=2',
    );
    const rest = (second.body.queues as { name: string; jobs: { id: string }[] }[]).find(
      (candidate) => candidate.name === 'dead-letter',
    );
    expect(rest?.jobs.map((job) => job.id)).toEqual(['default:dl-old']);
  });

  it('opens one dead letter with its attempts as logs', async () => {
    const job = await board('GET', '/queues/dead-letter/default:dl-mid');
    expect(job.status).toBe(200);
    expect(job.body.status).toBe('failed');
    expect(job.body.job).toMatchObject({
      id: 'default:dl-mid',
      failedReason: '[TRANSIENT] upstream 502',
    });
    const logs = await board('GET', '/queues/dead-letter/default:dl-mid/logs');
    expect(logs.body).toEqual([
      'attempt 1 failed at 1970-01-01T00:00:01.990Z: [TIMEOUT] took longer than 30s',
      'attempt 2 failed at 1970-01-01T00:00:02.000Z (started 1970-01-01T00:00:01.995Z): [TRANSIENT] upstream 502',
    ]);
    expect((await board('GET', '/queues/dead-letter/unknown')).status).toBe(404);
    const flow = await board('GET', '/queues/dead-letter/default:dl-mid/flow');
    expect(flow.status).toBe(200);
    expect(flow.body.flowRoot).toBeNull();
  });

  it("leaves the pool queues' job flows working beside it", async () => {
    // Bull Board reads BullMQ internals of every adapter typed `bullmq` to draw a flow.
    const task = await gateway.request('POST', '/v1/tasks', { agent: 'echo', pool: 'large' });
    expect(task.status).toBe(201);
    const flow = await board('GET', `/queues/agentq-large/${task.body.id}/flow`);
    expect(flow.status).toBe(200);
    expect(flow.body.nodeId).toBe(task.body.id);
  });

  it('refuses every change through the board and changes nothing', async () => {
    for (const path of [
      '/queues/dead-letter/retry/failed',
      '/queues/dead-letter/clean/failed',
      '/queues/dead-letter/default:dl-mid/retry',
      '/queues/dead-letter/default:dl-mid/clean',
      '/queues/dead-letter/empty',
      '/queues/dead-letter/pause',
    ]) {
      const refused = await board('PUT', path);
      expect({ path, status: refused.status }).toEqual({ path, status: 405 });
      expect(refused.body.error.key).toBe('ERRORS.QUEUE_READ_ONLY');
    }
    expect(await countDeadLetters(gateway.redis, gateway.prefix)).toBe(3);
    expect(await getDeadLetter(gateway.redis, gateway.prefix, 'default', 'dl-mid')).toEqual(
      deadLetter('dl-mid', 2_000, 'default'),
    );
    expect(await gateway.queues.get('default')?.getJob('dl-mid')).toBeUndefined();
  });

  it('throws, naming the re-drive route, on any write called on the adapter itself', async () => {
    const adapter = new DeadLetterBoardAdapter(gateway.redis, gateway.prefix);
    const job = await adapter.getJob('default:dl-mid');
    expect(job).not.toBeNull();
    const writes = [
      () => adapter.addJob(),
      () => adapter.clean(),
      () => adapter.pause(),
      () => adapter.resume(),
      () => adapter.empty(),
      () => adapter.obliterate(),
      () => adapter.promoteAll(),
      () => adapter.setGlobalConcurrency(),
      () => adapter.setConfiguredRateLimit(),
      () => adapter.removeConfiguredRateLimit(),
      () => adapter.releaseActiveRateLimit(),
      () => adapter.removeJobScheduler(),
      () => adapter.updateJobScheduler(),
      () => adapter.runJobSchedulerNow(),
      () => job?.retry(),
      () => job?.remove(),
      () => job?.promote(),
    ];
    for (const write of writes) {
      await expect(write()).rejects.toMatchObject({
        statusCode: 405,
        message: expect.stringContaining('POST /v1/dead-letter/redrive'),
      });
    }
    expect(await countDeadLetters(gateway.redis, gateway.prefix)).toBe(3);
    expect(await adapter.getRedisInfo()).toContain('redis_version');
    expect(await adapter.getJobs(['completed'], 0, 9)).toEqual([]);
  });
});

describe('/v1/scaler without a scaler to forward to', () => {
  const unset = useGateway();
  // Nothing listens on port 1: the connection is refused at once.
  const unreachable = useGateway({ AGENTQ_SCALER_URL: 'http://127.0.0.1:1' });

  it('answers 503 SCALER_UNAVAILABLE saying why, after checking the key and the request', async () => {
    const none = await unset.request('GET', '/v1/scaler/status');
    expect(none.status).toBe(503);
    expect(none.body.error).toMatchObject({
      code: 'SCALER_UNAVAILABLE',
      message: expect.stringContaining('AGENTQ_SCALER_URL'),
    });
    const refused = await unreachable.request('PUT', '/v1/scaler/pins/default', { replicas: 1 });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/^the scaler at http:\/\/127\.0\.0\.1:1 did not/);
    const bad = await unreachable.request('PUT', '/v1/scaler/pins/Not_A_Pool', { replicas: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'params.pool' })]);
  });
});
