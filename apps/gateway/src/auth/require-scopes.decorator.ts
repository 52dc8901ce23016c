import { SetMetadata } from '@nestjs/common';
import type { Scope } from '@agentq/contracts';

export const REQUIRED_SCOPES = 'agentq:required-scopes';

/**
 * The scopes a route (or every route of a controller) needs. The auth guard reads this;
 * a route without it still needs a valid key (any scope), unless it is marked `@Public()`.
 */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPES, scopes);
