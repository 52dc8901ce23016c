import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { AgentRegistry, builtinAgents } from '@agentq/agents';
import { createRedis, createTaskQueues } from '@agentq/queue';
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

  return {
    app,
    request,
    prefix,
    queues,
    redis,
    async close(): Promise<void> {
      await app.close();
      for (const queue of queues.values()) await queue.obliterate({ force: true });
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await redis.quit();
    },
  };
}
