import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '@agentq/queue';
import './http/request-principal.js';

/** The tenant of every request when AGENTQ_AUTH=off (and of the test harness's default key). */
export const DEFAULT_TENANT = 'default';

/** The principal the auth guard found for the request (non-public routes only). */
function principalOf(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
  // Only a public route has none: reading the tenant there is a bug, not a client's mistake.
  if (!principal) throw new Error('no principal: the route is public');
  return principal;
}

/**
 * The tenant a request acts for: the tenant of its API key. Services take the tenant as a
 * parameter; this is the one place that reads it.
 */
export const Tenant = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => principalOf(context).tenant,
);

/** The request's API key as a principal (its tenant, scopes and limits). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => principalOf(context),
);
