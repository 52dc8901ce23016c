import type { FastifyInstance } from 'fastify';
import './request-principal.js';

/**
 * One log line per answered request, through the request's logger (so it carries the
 * request id). Never headers: they hold API keys.
 */
export function logRequests(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        key: request.principal?.keyId,
        tenant: request.principal?.tenant,
      },
      'request',
    );
    done();
  });
}
