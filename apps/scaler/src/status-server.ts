import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  ScalerDecisionsQuerySchema,
  ScalerPinSchema,
  type PoolName,
  type ScalerStatusView,
} from '@agentq/contracts';
import type { ApiKeyStore } from '@agentq/queue';
import type { z } from 'zod';
import type { ControlLoop } from './control-loop.js';
import type { DecisionHistory } from './decision-history.js';
import type { DecisionStore } from './decision-store.js';
import { HttpError } from './http-error.js';
import type { ScalerMetrics } from './metrics.js';
import type { PinStore } from './pin-store.js';
import { authorizeWrite, requireJson } from './write-guard.js';

export interface StatusServerOptions {
  host: string;
  port: number;
  pools: readonly PoolName[];
  loop: Pick<ControlLoop, 'pools'>;
  pins: Pick<PinStore, 'set' | 'clear'>;
  /** The leader's decisions, so every instance answers the same (KEDA, operators). */
  decisions: Pick<DecisionStore, 'latest' | 'recent'>;
  /** The changes of the last day or so, paged (GET /decisions). */
  history: Pick<DecisionHistory, 'page'>;
  metrics: ScalerMetrics;
  isLeader: () => boolean;
  /** Whether Redis answers (GET /ready). */
  ready: () => Promise<boolean>;
  maxReplicas: number;
  /** The latency objective (AGENTQ_SCALER_MAX_WAIT_S), shown beside each pool's oldest wait. */
  objectiveSeconds: number;
  /** Keys allowed to write (those with the `admin` scope); none configured: no writes. */
  keys: ApiKeyStore;
  /** Longest pin, in ms (AGENTQ_SCALER_MAX_PIN_MS). */
  maxPinMs: number;
  logger: Pick<Logger, 'info'>;
}

/** A pin lasts this long when the request does not say (or the maximum, if shorter). */
const DEFAULT_PIN_S = 3600;

/**
 * The scaler's small HTTP API (node:http, no framework):
 * GET /status, GET /decisions?pool=&before=&limit= (the history of changes, newest first),
 * GET /v1/pools/:pool/desired (KEDA metrics-api), GET /health, GET /ready,
 * GET /metrics, POST /scale {pool, replicas, ttlSeconds} pins, DELETE /scale/:pool unpins.
 * Reads are open (they show counts and decisions, no secrets; the server listens on
 * loopback by default); every other method needs an admin API key.
 */
export class StatusServer {
  private server: http.Server | undefined;

  constructor(private readonly options: StatusServerOptions) {}

  /** The port listened on (useful with port 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handle(req)
        .then(({ status, body, type }) => {
          res.writeHead(status, { 'content-type': type ?? 'application/json' });
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        })
        .catch((error: unknown) => {
          const known = error instanceof HttpError;
          res.writeHead(known ? error.status : 500, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: {
                code: known ? error.code : 'INTERNAL',
                message: known ? error.message : 'internal error',
                details: known ? error.details : undefined,
              },
            }),
          );
        });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(
    req: http.IncomingMessage,
  ): Promise<{ status: number; body: unknown; type?: string }> {
    const url = new URL(req.url ?? '/', 'http://scaler');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const { metrics } = this.options;
    if (method === 'GET' && path === '/health') return { status: 200, body: { status: 'ok' } };
    if (method === 'GET' && path === '/ready') {
      const ready = await this.options.ready();
      return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'redis unreachable' } };
    }
    if (method === 'GET' && path === '/metrics') {
      return {
        status: 200,
        body: await metrics.registry.metrics(),
        type: metrics.registry.contentType,
      };
    }
    if (method === 'GET' && path === '/status') return { status: 200, body: await this.status() };
    if (method === 'GET' && path === '/decisions') {
      const query = parseOr400(
        ScalerDecisionsQuerySchema,
        Object.fromEntries(url.searchParams),
        'query',
      );
      if (query.pool !== undefined) this.pool(query.pool);
      return { status: 200, body: await this.options.history.page(query) };
    }
    const desired = /^\/v1\/pools\/([^/]+)\/desired$/.exec(path);
    if (method === 'GET' && desired) {
      const pool = this.pool(pathSegment(desired[1]));
      const latest = await this.options.decisions.latest(pool);
      if (!latest) {
        throw new HttpError(503, 'UNAVAILABLE', `no scaler leads: pool ${pool} has no decision`);
      }
      return { status: 200, body: { pool, desired: latest.desired, current: latest.current } };
    }
    if (method !== 'GET' && method !== 'HEAD') return this.write(req, method, path);
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  /** Pins and unpins, after the key (401/403) and the body's type (415) are checked. */
  private async write(
    req: http.IncomingMessage,
    method: string,
    path: string,
  ): Promise<{ status: number; body: unknown }> {
    const { keyId } = authorizeWrite(this.options.keys, req.headers);
    const { metrics, logger, maxPinMs } = this.options;
    if (method === 'POST' && path === '/scale') {
      requireJson(req.headers);
      const body = parseOr400(ScalerPinSchema, await readJson(req), 'scale request');
      const { pool, replicas } = body;
      this.pool(pool);
      const maxPinS = Math.floor(maxPinMs / 1000);
      const ttlSeconds = body.ttlSeconds ?? Math.min(DEFAULT_PIN_S, maxPinS);
      if (ttlSeconds > maxPinS) {
        throw new HttpError(
          400,
          'VALIDATION_FAILED',
          `ttlSeconds must be ≤ ${maxPinS} (AGENTQ_SCALER_MAX_PIN_MS=${maxPinMs})`,
        );
      }
      if (replicas > this.options.maxReplicas) {
        throw new HttpError(
          400,
          'VALIDATION_FAILED',
          `replicas must be ≤ ${this.options.maxReplicas}`,
        );
      }
      await this.options.pins.set(pool, replicas, ttlSeconds);
      metrics.pins.inc({ pool, action: 'set' });
      logger.info({ pool, replicas, ttlSeconds, keyId }, 'pin set');
      return { status: 200, body: { pool, replicas, ttlSeconds } };
    }
    const unpin = /^\/scale\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && unpin) {
      const pool = this.pool(pathSegment(unpin[1]));
      const removed = await this.options.pins.clear(pool);
      if (!removed) throw new HttpError(404, 'NOT_FOUND', `pool ${pool} is not pinned`);
      metrics.pins.inc({ pool, action: 'clear' });
      logger.info({ pool, keyId }, 'pin cleared');
      return { status: 200, body: { pool, pinned: false } };
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  /**
   * The leader shows what it observed and decided; a standby shows the leader's latest
   * desired count next to the workers it runs itself (never the leader's, which may be gone).
   * Both show the shared decision log.
   */
  private async status(): Promise<ScalerStatusView> {
    const leader = this.options.isLeader();
    const { decisions } = this.options;
    const pools = await this.options.loop.pools();
    if (!leader) {
      for (const pool of this.options.pools) {
        const latest = await decisions.latest(pool);
        const own = pools[pool];
        if (latest && own) pools[pool] = { ...own, desired: latest.desired };
      }
    }
    const { objectiveSeconds } = this.options;
    return { leader, objectiveSeconds, pools, decisions: await decisions.recent() };
  }

  private pool(name: string): PoolName {
    const pool = this.options.pools.find((p) => p === name);
    if (!pool) throw new HttpError(404, 'NOT_FOUND', `unknown pool ${name}`);
    return pool;
  }
}

/** A decoded path segment; a malformed escape (`%E0`) is the caller's mistake: 400. */
function pathSegment(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw new HttpError(400, 'VALIDATION_FAILED', `malformed path segment ${raw ?? ''}`);
  }
}

/** The parsed value, or a 400 listing each problem by its path. */
function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new HttpError(
    400,
    'VALIDATION_FAILED',
    `invalid ${what}: ${problems.map((p) => `${p.path || '(body)'} ${p.message}`).join('; ')}`,
    problems,
  );
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'body over 64 KiB');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    throw new HttpError(400, 'VALIDATION_FAILED', `body is not JSON: ${(error as Error).message}`);
  }
}
