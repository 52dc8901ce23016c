import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Worker, type Processor } from 'bullmq';
import { pino } from 'pino';
import { AgentRegistry, builtinAgents } from '@agentq/agents';
import { queueName, type TaskJobData } from '@agentq/contracts';
import { createRedis, createTaskQueues, deleteKeysByPrefix } from '@agentq/queue';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/create-gateway.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** A gateway on a key prefix of its own, listening on a free loopback port. */
export async function startGateway(env: Record<string, string> = {}) {
  const prefix = `agentq-test-gw-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    REDIS_URL,
    AGENTQ_PREFIX: prefix,
    AGENTQ_POOLS: 'default,large',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const redis = createRedis(config.redisUrl, 'client', 'test-gateway');
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', reject);
  });
  const queues = createTaskQueues(config.pools, { connection: redis, prefix });
  const app: NestFastifyApplication = await createGateway({
    config,
    logger,
    redis,
    queues,
    registry: new AgentRegistry(builtinAgents),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();

  /** Real HTTP; an object body is sent as JSON, a string as-is. */
  async function request(
    method: string,
    path: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const isString = typeof payload === 'string';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers:
        payload === undefined || isString
          ? headers
          : { 'content-type': 'application/json', ...headers },
      body: payload === undefined ? undefined : isString ? payload : JSON.stringify(payload),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the test reads `text`.
    }
    return { status: response.status, headers: response.headers, body, text };
  }

  let closed: Promise<void> | undefined;
  const workers: { worker: Worker; connection: ReturnType<typeof createRedis> }[] = [];
  /**
   * A bare BullMQ worker on one pool of this gateway (the worker app is not under test
   * here); closed by `close()`.
   */
  async function startWorker(
    pool: string,
    processor: Processor<TaskJobData>,
    concurrency = 4,
  ): Promise<Worker<TaskJobData>> {
    const connection = createRedis(REDIS_URL, 'worker', 'test-worker');
    const worker = new Worker<TaskJobData>(queueName(pool), processor, {
      connection,
      prefix,
      concurrency,
    });
    workers.push({ worker: worker as Worker, connection });
    await worker.waitUntilReady();
    return worker;
  }

  /** Opens the task's event stream; `events()` yields parsed events until the server ends it. */
  async function openEvents(id: string, headers: Record<string, string> = {}) {
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/v1/tasks/${id}/events`, {
      headers,
      signal: controller.signal,
    });
    return { response, events: () => readEvents(response), abort: () => controller.abort() };
  }

  return {
    app,
    baseUrl,
    request,
    startWorker,
    openEvents,
    prefix,
    queues,
    redis,
    /** Closes everything once; later calls wait for the first. */
    close(): Promise<void> {
      closed ??= closeAll();
      return closed;
    },
  };

  async function closeAll(): Promise<void> {
    await Promise.all(
      workers.map(async ({ worker, connection }) => {
        await worker.close();
        await connection.quit();
      }),
    );
    await app.close();
    for (const queue of queues.values()) await queue.obliterate({ force: true });
    await deleteKeysByPrefix(redis, prefix);
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    await redis.quit();
  }
}

export type Gateway = Awaited<ReturnType<typeof startGateway>>;

/**
 * One gateway for a test file (or describe block): started in beforeAll, closed in afterAll.
 * The returned object forwards to it, so tests write `gateway.request(...)` as usual.
 */
export function useGateway(env: Record<string, string> = {}): Gateway {
  let current: Gateway | undefined;
  beforeAll(async () => {
    current = await startGateway(env);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as Gateway, {
    get(_target, key) {
      if (!current) throw new Error('the gateway starts in beforeAll');
      return Reflect.get(current, key) as unknown;
    },
  });
}

export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

/** Parses a text/event-stream body (comments skipped) as it arrives. */
export async function* readEvents(response: Response): AsyncGenerator<StreamEvent> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      if (!fields.has('event')) continue;
      yield {
        id: fields.get('id'),
        event: fields.get('event') ?? '',
        data: JSON.parse(fields.get('data') ?? '{}') as Record<string, unknown>,
      };
    }
  }
}
