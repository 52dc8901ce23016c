import type { Job } from 'bullmq';
import type { TaskJobData } from '@agentq/contracts';
import { useGateway } from './gateway-harness.js';

const gateway = useGateway();

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  gateway.request('POST', '/v1/tasks', payload, headers);
const get = (path: string) => gateway.request('GET', path);

describe('POST /v1/tasks', () => {
  it('enqueues a valid task on its pool and answers 201 with its id', async () => {
    const response = await post({ agent: 'echo', input: { hello: 'world' }, priority: 'high' });
    expect(response.status).toBe(201);
    const { id, state } = response.body as { id: string; state: string };
    expect(state).toBe('waiting');
    const job = (await gateway.queues.get('default')?.getJob(id)) as Job<TaskJobData>;
    expect(job.name).toBe('echo');
    expect(job.data).toEqual({ v: 1, agent: 'echo', input: { hello: 'world' }, tenant: 'default' });
    expect(job.opts.priority).toBe(2);
  });

  it('answers a delayed task as delayed', async () => {
    const response = await post({ agent: 'echo', pool: 'large', delayMs: 60_000 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ state: 'delayed' });
  });

  it('rejects a bad spec with 400 naming every bad field', async () => {
    const response = await post({ agent: 'echo', priority: 'urgent', delayMs: -5 });
    expect(response.status).toBe(400);
    const body = response.body as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.path)).toEqual(['body.priority', 'body.delayMs']);
  });

  it('rejects input the agent does not accept with 400 naming the input path', async () => {
    const response = await post({ agent: 'sim', input: { latencyMs: 'slow' } });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('input.latencyMs');
  });

  it('refuses an llm.chat role preset no worker has, naming the known ones', async () => {
    const response = await post({ agent: 'llm.chat', input: { role: 'poet', prompt: 'Hi' } });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0]).toMatchObject({
      path: 'input.role',
      message: expect.stringMatching(/unknown role preset "poet" \(known: .*reviewer/),
    });
    const known = await post({ agent: 'llm.chat', input: { role: 'reviewer', prompt: 'Hi' } });
    expect(known.status).toBe(201);
  });

  it('answers 422 for an unknown agent', async () => {
    const response = await post({ agent: 'no.such.agent' });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('UNKNOWN_AGENT');
  });

  it('rejects a pool the gateway does not serve', async () => {
    const response = await post({ agent: 'echo', pool: 'gpu' });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('body.pool');
  });

  it('answers malformed JSON with a 400 error body', async () => {
    const response = await post('{"agent":', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers a body that is not an object with 400', async () => {
    const response = await post('[1,2]', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await post('agent=echo', { 'content-type': 'text/csv' });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an oversize body with 413', async () => {
    const response = await post({ agent: 'echo', input: { blob: 'x'.repeat(2_000_000) } });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 naming the input when it is over the input limit as JSON, in bytes', async () => {
    const limit = 262_144; // AGENTQ_GATEWAY_INPUT_LIMIT_BYTES's default
    // A JSON string: its two quotes count.
    const atLimit = await post({ agent: 'echo', input: 'x'.repeat(limit - 2) });
    expect(atLimit.status).toBe(201);
    const overLimit = await post({ agent: 'echo', input: 'x'.repeat(limit - 1) });
    expect(overLimit.status).toBe(413);
    expect(overLimit.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: [{ path: 'input', message: `must be at most ${limit} bytes as JSON` }],
    });
    // Bytes, not characters: 'é' is two bytes in UTF-8.
    const wide = await post({ agent: 'echo', input: { text: 'é'.repeat(limit / 2) } });
    expect(wide.status).toBe(413);
  });
});

describe('GET /v1/tasks/:id', () => {
  it('answers the task view of a submitted task', async () => {
    const { id } = (await post({ agent: 'echo', input: 1, metadata: { run: 'a' } })).body as {
      id: string;
    };
    const response = await get(`/v1/tasks/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      state: 'waiting',
      agent: 'echo',
      pool: 'default',
      priority: 'normal',
      result: null,
      error: null,
      attemptsMade: 0,
      startedAt: null,
      finishedAt: null,
      metadata: { run: 'a' },
    });
  });

  it.each(['no-such-task', 'a:b', '../../etc'])('answers 404 for the unknown id %s', async (id) => {
    const response = await get(`/v1/tasks/${encodeURIComponent(id)}`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });
});

describe('unknown routes', () => {
  it('answer 404 with the error body', async () => {
    const response = await get('/nope');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });
});

describe('health', () => {
  it('answers /health and /ready while Redis answers', async () => {
    expect((await get('/health')).status).toBe(200);
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });
});
