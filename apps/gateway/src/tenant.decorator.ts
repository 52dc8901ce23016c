import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Until API keys arrive every task belongs to this tenant. */
export const DEFAULT_TENANT = 'default';

/**
 * The tenant a request acts for. Services take the tenant as a parameter; an auth guard
 * will set `request.tenant` from the API key, and this is the one place that reads it.
 */
export const Tenant = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { tenant?: string }>();
  return request.tenant ?? DEFAULT_TENANT;
});
