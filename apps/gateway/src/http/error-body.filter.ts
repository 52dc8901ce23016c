import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '@agentq/queue';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics.js';
import { toErrorResponse } from './error-response.js';
import { RedisOutages } from './redis-outages.js';

/** Answers every error thrown in a route with the standard error body. */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly outages: RedisOutages;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
    redis: RedisClient,
  ) {
    this.outages = new RedisOutages(redis);
  }

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    // The request's own logger carries its request id.
    const logger = http.getRequest<FastifyRequest | undefined>()?.log ?? this.logger;
    const startedAt = Date.now() - reply.elapsedTime;
    const {
      status,
      body,
      headers = {},
    } = toErrorResponse(error, this.outages.readyThroughout(startedAt));
    // Only the unexpected is an error; a 503 (Redis away) is an expected, passing state.
    if (status === 500) logger.error({ err: error }, 'request failed');
    else {
      if (status > 500) logger.warn({ code: body.error.code }, 'request refused');
      this.metrics.rejections.inc({ reason: body.error.code });
    }
    void reply.status(status).headers(headers).send(body);
  }
}
