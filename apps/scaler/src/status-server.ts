import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PoolNameSchema, type PoolName } from '@agentq/contracts';
import { z } from 'zod';
import type { ControlLoop } from './control-loop.js';
import type { DecisionStore } from './decision-store.js';
import type { ScalerMetrics } from './metrics.js';
import type { PinStore } from './pin-store.js';

export interface StatusServerOptions {
  host: string;
  port: number;
  pools: readonly PoolName[];
  loop: Pick<ControlLoop, 'pools'>;
  pins: Pick<PinStore, 'set' | 'clear'>;
  /** The leader's decisions, so every instance answers the same (KEDA, operators). */
  decisions: Pick<DecisionStore, 'latest' | 'recent'>;
  metrics: ScalerMetrics;
  isLeader: () => boolean;
  /** Whether Redis answers (GET /ready). */
  ready: () => Promise<boolean>;
  maxReplicas: number;
}

const ScaleBody = z.object({
  pool: PoolNameSchema,
  replicas: z.number().int().min(0),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * The scaler's small HTTP API (node:http, no framework):
 * GET /status, GET /v1/pools/:pool/desired (KEDA metrics-api), GET /health, GET /ready,
 * GET /metrics, POST /scale {pool, replicas, ttlSeconds} pins, DELETE /scale/:pool unpins.
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
    const desired = /^\/v1\/pools\/([^/]+)\/desired$/.exec(path);
    if (method === 'GET' && desired) {
      const pool = this.pool(decodeURIComponent(desired[1] ?? ''));
      const latest = await this.options.decisions.latest(pool);
      if (!latest) {
        throw new HttpError(503, 'UNAVAILABLE', `no scaler leads: pool ${pool} has no decision`);
      }
      return { status: 200, body: { pool, desired: latest.desired, current: latest.current } };
    }
    if (method === 'POST' && path === '/scale') {
      const parsed = ScaleBody.safeParse(await readJson(req));
      if (!parsed.success) {
        throw new HttpError(
          400,
          'VALIDATION_FAILED',
          'invalid scale request',
          parsed.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        );
      }
      const { pool, replicas, ttlSeconds } = parsed.data;
      this.pool(pool);
      if (replicas > this.options.maxReplicas) {
        throw new HttpError(
          400,
          'VALIDATION_FAILED',
          `replicas must be ≤ ${this.options.maxReplicas}`,
        );
      }
      await this.options.pins.set(pool, replicas, ttlSeconds);
      return { status: 200, body: { pool, replicas, ttlSeconds } };
    }
    const unpin = /^\/scale\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && unpin) {
      const pool = this.pool(decodeURIComponent(unpin[1] ?? ''));
      const removed = await this.options.pins.clear(pool);
      if (!removed) throw new HttpError(404, 'NOT_FOUND', `pool ${pool} is not pinned`);
      return { status: 200, body: { pool, pinned: false } };
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  /**
   * The leader shows what it observed and decided; a standby shows the leader's latest
   * desired count next to the workers it runs itself (never the leader's, which may be gone).
   * Both show the shared decision log.
   */
  private async status() {
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
    return { leader, pools, decisions: await decisions.recent() };
  }

  private pool(name: string): PoolName {
    const pool = this.options.pools.find((p) => p === name);
    if (!pool) throw new HttpError(404, 'NOT_FOUND', `unknown pool ${name}`);
    return pool;
  }
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
  } catch {
    throw new HttpError(400, 'VALIDATION_FAILED', 'body is not JSON');
  }
}
