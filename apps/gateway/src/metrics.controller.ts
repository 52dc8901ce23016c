import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from './auth/public.decorator.js';
import { GatewayMetrics } from './metrics.js';

/**
 * Public, like every app's /metrics: Prometheus scrapes without a key. The labels carry no
 * tenant or task ids; keep the port off the internet (or behind the ingress's own auth).
 */
@Controller()
@Public()
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.metrics.registry.metrics();
    await reply.header('content-type', this.metrics.registry.contentType).send(text);
  }
}
