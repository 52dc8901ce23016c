import type { StreamSettings } from './events/open-event-stream.js';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics, on a registry of its own (never prom-client's global
 * one, so two gateways in one test process do not collide). Labels are bounded: route
 * templates, methods, statuses, pools, agents, priority levels and error codes.
 */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly redisUp = new Gauge({
    name: 'agentq_redis_up',
    help: "1 while this process's Redis connection is ready, else 0.",
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'agentq_gateway_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'agentq_gateway_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });

  readonly tasksSubmitted = new Counter({
    name: 'agentq_gateway_tasks_submitted_total',
    help: 'Tasks enqueued (repeats of an idempotency key not counted).',
    labelNames: ['pool', 'agent', 'priority'] as const,
    registers: [this.registry],
  });

  readonly rejections = new Counter({
    name: 'agentq_gateway_rejections_total',
    help: 'Requests refused, by error code (VALIDATION_FAILED, RATE_LIMITED, CONFLICT ...).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly openStreams = new Gauge({
    name: 'agentq_gateway_sse_streams_open',
    help: 'Event streams (SSE) whose connection is held now, ended ones until their client lets go.',
    registers: [this.registry],
  });

  readonly blockedStreams = new Gauge({
    name: 'agentq_gateway_sse_streams_blocked',
    help: 'Event streams whose client is not reading now (events wait, bounded).',
    registers: [this.registry],
  });

  readonly slowStreamsClosed = new Counter({
    name: 'agentq_gateway_sse_streams_closed_slow_total',
    help: 'Event streams closed because their client stopped reading.',
    registers: [this.registry],
  });

  /** What every event stream is held to (see StreamPacer). */
  streamSettings(config: {
    sseKeepAliveMs: number;
    sseMaxBufferedBytes: number;
    sseBlockedTimeoutMs: number;
  }): StreamSettings {
    return {
      keepAliveMs: config.sseKeepAliveMs,
      maxBufferedBytes: config.sseMaxBufferedBytes,
      blockedTimeoutMs: config.sseBlockedTimeoutMs,
      metrics: {
        open: this.openStreams,
        blocked: this.blockedStreams,
        closedSlow: this.slowStreamsClosed,
      },
    };
  }

  readonly waitingRequests = new Gauge({
    name: 'agentq_gateway_wait_requests_open',
    help: 'Requests holding their answer with ?wait= now.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'agentq_gateway_' });
  }
}
