import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { AppModule } from './app.module.js';
import { Authenticator } from './auth/authenticator.js';
import { serveConsole } from './console/serve-console.js';
import type { GatewayDeps } from './gateway-deps.js';
import { ErrorBodyFilter } from './http/error-body.filter.js';
import { TaskEvents } from './events/task-events.service.js';
import { logRequests } from './http/access-log.js';
import { registerJsonBody } from './http/json-body.js';
import { toErrorResponse } from './http/error-response.js';
import { recordHttpMetrics } from './http/http-metrics.js';
import { traceRequests } from './http/request-tracing.js';
import { PinoNestLogger } from './http/pino-nest-logger.js';
import { echoRequestId, requestIdOf } from './http/request-id.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { GatewayMetrics } from './metrics.js';

/**
 * Builds the gateway app (routes, filters) without listening, for main.ts and tests.
 * Shutdown hooks stay off: main.ts owns the signals and closes the app, then the queues and
 * Redis, in that order (Nest's hooks would re-raise the signal before those close).
 */
export async function createGateway(deps: GatewayDeps): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: deps.config.bodyLimitBytes,
    // request.log: a child of the app's logger carrying the request id.
    loggerInstance: deps.logger,
    genReqId: requestIdOf,
    // Fastify's two lines per request give way to one of ours (src/http/access-log.ts).
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: true,
    }),
    // Errors Fastify meets before routing (a URL with broken percent-encoding) get our body.
    frameworkErrors: (error: FastifyError, _request: unknown, reply: FastifyReply) => {
      const { status, body } = toErrorResponse(error);
      void reply.status(status).send(body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(deps), adapter, {
    logger: new PinoNestLogger(deps.logger),
    // Report a failed start to the caller instead of exiting the process.
    abortOnError: false,
    // JSON bodies go through registerJsonBody (strict UTF-8, nesting and prototype checks).
    bodyParser: false,
  });
  // Nest routes Fastify's own errors (bad JSON, body too large, wrong content type)
  // through this filter too, so every error gets the same body.
  const metrics = app.get(GatewayMetrics);
  app.useGlobalFilters(new ErrorBodyFilter(deps.logger, metrics, deps.redis));
  const fastify = adapter.getInstance();
  registerJsonBody(fastify, deps.config.bodyMaxDepth);
  echoRequestId(fastify);
  if (deps.tracing) traceRequests(fastify);
  logRequests(fastify);
  recordHttpMetrics(fastify, metrics);
  closeConnectionsWhenClosing(fastify, app.get(TaskEvents));
  await registerSecurityHeaders(app, deps.config.corsOrigins);
  await serveConsole(fastify, deps.config.consoleDir, {
    traceUrl: deps.config.traceUrl ?? null,
  });
  if (deps.config.adminUi) {
    // Loaded only when enabled: Bull Board brings a UI bundle and its own Fastify plugins.
    const { mountBullBoard } = await import('./admin/bull-board.js');
    await mountBullBoard(fastify, deps, app.get(Authenticator));
  }
  await app.init();
  return app;
}

/**
 * Answers sent once shutdown began (held ?wait= requests being released) say
 * `Connection: close`, so the server is not kept open by idle keep-alive connections until
 * Fastify's 72 s keep-alive timeout.
 */
function closeConnectionsWhenClosing(fastify: FastifyInstance, events: TaskEvents): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (events.isClosing && request.raw.httpVersionMajor === 1)
      void reply.header('connection', 'close');
    done(null, payload);
  });
}
