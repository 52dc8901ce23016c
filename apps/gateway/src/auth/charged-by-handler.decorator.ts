import { SetMetadata } from '@nestjs/common';

export const CHARGED_BY_HANDLER = 'agentq:charged-by-handler';

/**
 * The route takes its request's rate-limit token itself, in the same Redis call as its other
 * checks (the submit gate), so the guard does not: one round trip less per request. The
 * handler must run through `RateLimits.chargedBy`, which takes the token if the handler
 * fails before its gate did.
 */
export const ChargedByHandler = (): MethodDecorator => SetMetadata(CHARGED_BY_HANDLER, true);
