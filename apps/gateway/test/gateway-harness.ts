import { createHash, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Worker, type Processor } from 'bullmq';
import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { AgentRegistry, builtinAgents } from '@agentq/agents';
import { SCOPES, queueName, type Scope, type TaskJobData } from '@agentq/contracts';
import {
  closeRedis,
  createKey,
  createRedis,
  deleteKeysByPrefix,
  formatApiKeyLine,
  formatWorkerName,
  openTaskQueues,
  poolKeyPrefix,
} from '@agentq/queue';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/create-gateway.js';
import { LOG_REDACTION } from '../src/http/log-redaction.js';
import { DEFAULT_TENANT } from '../src/tenant.decorator.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** An API key a test gateway is started with. */
export interface KeySpec {
  tenant: string;
  scopes: readonly Scope[];
  /** Requests per minute and burst of this key (else the gateway's default). */
  rateLimit?: { perMinute: number; burst: number };
  /** Tasks per minute and burst of this key (else the gateway's default). */
  taskRateLimit?: { perMinute: number; burst: number };
}

export interface GatewayOptions {
  /** More keys, by a name the test picks; `gateway.keys[name]` is the key. */
  keys?: Record<string, KeySpec>;
  /** Where the gateway's log lines go (level debug); silent when absent. */
  logs?: Writable;
  /** The key prefix, to run two gateways on one Redis namespace. */
  prefix?: string;
}

/** The key `request()` sends unless told otherwise: tenant `default`, every scope. */
export const DEFAULT_KEY: KeySpec = { tenant: DEFAULT_TENANT, scopes: SCOPES };

/**
 * Limits high enough that no functional test meets them; tests of the limits set their own
 * (by env or per key).
 */
const UNLIMITED_ENV = {
  AGENTQ_GATEWAY_RATE_LIMIT_PER_MIN: '1000000',
  AGENTQ_GATEWAY_RATE_LIMIT_BURST: '1000000',
  AGENTQ_GATEWAY_TASK_RATE_LIMIT_PER_MIN: '1000000',
  AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST: '1000000',
};

/** New keys for the specs given, and their keys-file lines. */
export function makeKeys(specs: Record<string, KeySpec>): {
  keys: Record<string, string>;
  lines: string[];
} {
  const keys: Record<string, string> = {};
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const created = createKey({ tenant: spec.tenant, scopes: [...spec.scopes] });
    if (!created.ok) throw new Error(created.error);
    const entry = {
      ...created.entry,
      ...(spec.rateLimit ? { rateLimit: spec.rateLimit } : {}),
      ...(spec.taskRateLimit ? { taskRateLimit: spec.taskRateLimit } : {}),
    };
    keys[name] = created.key;
    lines.push(formatApiKeyLine(entry));
  }
  return { keys, lines };
}

/** How a request authenticates: a key, or `null` for none at all. */
export type Credential = string | null;

/**
 * A gateway on a key prefix of its own, listening on a free loopback port, with an API key
 * for tenant `default` holding every scope (`keys.default`), which `request()` sends.
 */
export async function startGateway(env: Record<string, string> = {}, options: GatewayOptions = {}) {
  const prefix = options.prefix ?? `agentq-test-gw-${randomUUID().slice(0, 8)}`;
  const { keys, lines } = makeKeys({ default: DEFAULT_KEY, ...options.keys });
  const config = loadConfig({
    REDIS_URL,
    AGENTQ_PREFIX: prefix,
    AGENTQ_POOLS: 'default,large',
    AGENTQ_API_KEYS: lines.join('\n'),
    ...UNLIMITED_ENV,
    ...env,
  });
  const logger = options.logs
    ? pino({ level: 'debug', redact: LOG_REDACTION }, options.logs)
    : pino({ level: 'silent' });
  const redis = createRedis(config.redis, 'client', 'test-gateway');
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', reject);
  });
  // As main.ts does: a queue whose start timed out on a busy machine is replaced.
  const { queues, ready } = await openTaskQueues(
    config.pools,
    { connection: redis, prefix },
    10_000,
    () => undefined,
  );
  if (!ready) {
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    redis.disconnect();
    throw new Error("the test gateway's queues did not start");
  }
  const app: NestFastifyApplication = await createGateway({
    config,
    logger,
    redis,
    queues,
    registry: new AgentRegistry(builtinAgents, config.agentDeployment),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();

  /** Real HTTP with the key given (`null`: none); an object body is sent as JSON, a string as-is. */
  async function requestWith(
    credential: Credential,
    method: string,
    path: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const isString = typeof payload === 'string';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(credential === null ? {} : { authorization: `Bearer ${credential}` }),
        ...(payload === undefined || isString ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
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

  /** Real HTTP with the default key (headers given win, so a test may send another). */
  function request(
    method: string,
    path: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return requestWith(keys.default ?? null, method, path, payload, headers);
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
      prefix: poolKeyPrefix(prefix, pool),
      concurrency,
      // Named as agentq's workers are, so /v1/pools counts its slots.
      name: formatWorkerName({
        identity: 'test-worker',
        pid: process.pid,
        slots: new Map([[pool, concurrency]]),
      }),
    });
    workers.push({ worker: worker as Worker, connection });
    await worker.waitUntilReady();
    return worker;
  }

  /** Raw fetch of a path with the key given (the default key unless told; `null`: none). */
  function fetchPath(
    path: string,
    init: RequestInit = {},
    credential: Credential = keys.default ?? null,
  ): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      ...init,
      headers: {
        ...(credential === null ? {} : { authorization: `Bearer ${credential}` }),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  }

  /** Opens the task's event stream; `events()` yields parsed events until the server ends it. */
  async function openEvents(
    id: string,
    headers: Record<string, string> = {},
    credential: Credential = keys.default ?? null,
  ) {
    const controller = new AbortController();
    const response = await fetchPath(
      `/v1/tasks/${id}/events`,
      { headers, signal: controller.signal },
      credential,
    );
    return { response, events: () => readEvents(response), abort: () => controller.abort() };
  }

  return {
    app,
    baseUrl,
    request,
    requestWith,
    fetch: fetchPath,
    keys,
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

  /**
   * Every step runs even when one before it failed (a command timed out on a loaded
   * machine, say): a skipped step would leave a connection open and jest waiting on it
   * after the last test. The first failure is thrown once all steps ran.
   */
  async function closeAll(): Promise<void> {
    const failures: unknown[] = [];
    const step = (run: () => Promise<unknown>) =>
      run().catch((error: unknown) => failures.push(error));
    await Promise.all(
      workers.map(({ worker, connection }) =>
        step(() => worker.close()).then(() => step(() => closeRedis(connection))),
      ),
    );
    await step(() => app.close());
    for (const queue of queues.values()) await step(() => queue.obliterate({ force: true }));
    await step(() => deleteKeysByPrefix(redis, prefix));
    await Promise.all([...queues.values()].map((queue) => step(() => queue.close())));
    await step(() => closeRedis(redis));
    if (failures.length > 0) throw failures[0];
  }
}

export type Gateway = Awaited<ReturnType<typeof startGateway>>;

const ID_SALT = randomUUID();

/**
 * A task id in the gateway's own shape (a UUID) that a test can name: the same name gives
 * the same id within a run.
 */
export function idFor(name: string): string {
  const hex = createHash('sha256').update(`${ID_SALT}:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * One gateway for a test file (or describe block): started in beforeAll, closed in afterAll.
 * The returned object forwards to it, so tests write `gateway.request(...)` as usual.
 */
export function useGateway(
  env: Record<string, string> = {},
  options: GatewayOptions = {},
): Gateway {
  let current: Gateway | undefined;
  beforeAll(async () => {
    current = await startGateway(env, options);
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
