import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../metrics.js';

/**
 * Counts and times every answered request by its route template (`/v1/tasks/:id`), never the
 * raw URL, so label values stay few; requests that matched no route share `unmatched`.
 */
export function recordHttpMetrics(fastify: FastifyInstance, metrics: GatewayMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    metrics.httpRequests.inc({ route, method, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route, method }, reply.elapsedTime / 1000);
    done();
  });
}
