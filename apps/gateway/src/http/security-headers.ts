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
 * What a JSON answer of the API needs (OWASP's REST guidance): never cached, never framed,
 * never sniffed into HTML, HTTPS only. helmet's other headers govern how a browser renders a
 * page, which a JSON answer is not; leaving them off saves a dozen header writes per request.
 */
const API_HEADERS: readonly (readonly [string, string])[] = [
  ['cache-control', 'no-store'],
  ['content-security-policy', "frame-ancestors 'none'"],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
];

/**
 * The API's JSON routes (`/v1/...`) get {@link API_HEADERS}; every other answer (the docs
 * page, Bull Board, health and metrics) helmet's defaults, with a strict
 * Content-Security-Policy: those pages load only their own scripts. CORS only for the
 * configured origins: off when none, `*` for any. Keys travel in headers, never cookies, so
 * no credentials mode.
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
      if (request.url.startsWith('/v1/')) {
        for (const [name, value] of API_HEADERS) reply.raw.setHeader(name, value);
        done();
        return;
      }
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
