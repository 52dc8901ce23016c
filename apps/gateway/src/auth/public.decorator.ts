import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'agentq:public-route';

/**
 * Marks a route (or controller) as open to anyone: health, readiness, metrics, docs. Every
 * other route needs a valid API key, plus the scopes of its {@link RequireScopes}.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
