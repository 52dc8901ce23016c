import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';

/** Headers a browser client may send and read (CORS). */
const REQUEST_HEADERS = [
  'authorization',
  'x-api-key',
  'content-type',
  'idempotency-key',
  'last-event-id',
  'x-request-id',
];
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
];

/**
 * helmet's defaults on every answer (a strict Content-Security-Policy: the docs page and
 * Bull Board load only their own scripts), and CORS only for the configured origins: off
 * when none, `*` for any. Keys travel in headers, never cookies, so no credentials mode.
 *
 * helmet's middleware is built once and run in one hook: the Fastify plugin builds it anew
 * for every request, which cost about a third of a task submit's CPU.
 */
export async function registerSecurityHeaders(
  app: NestFastifyApplication,
  corsOrigins: readonly string[],
): Promise<void> {
  const setHelmetHeaders = helmet();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      setHelmetHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined));
    });
  if (corsOrigins.length === 0) return;
  await app.register(cors, {
    origin: corsOrigins.includes('*') ? '*' : [...corsOrigins],
    methods: ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'],
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
