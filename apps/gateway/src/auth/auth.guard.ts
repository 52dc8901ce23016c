import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '@agentq/contracts';
import { RateLimits } from '../rate-limit/rate-limits.service.js';
import { Authenticator } from './authenticator.js';
import { CHARGED_BY_HANDLER } from './charged-by-handler.decorator.js';
import { PUBLIC_ROUTE } from './public.decorator.js';
import { REQUIRED_SCOPES } from './require-scopes.decorator.js';
import '../http/request-principal.js';

/**
 * The global guard (APP_GUARD): every route is closed unless marked {@link Public}. A closed
 * route needs a known API key (401), costs one token of the key's request budget (429; taken
 * by the handler on routes marked `@ChargedByHandler`), and needs the scopes of its
 * `@RequireScopes` (403). New controllers are covered as they are.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly rateLimits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const required =
      this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, targets) ?? [];
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const principal = this.authenticator.authenticate(request.headers);
    request.principal = principal;
    try {
      this.authenticator.authorize(principal, required);
    } catch (error) {
      // Charged all the same: probing with a key costs like any request (a 429 wins).
      await this.rateLimits.takeRequest(principal, reply);
      throw error;
    }
    if (!this.reflector.get<boolean | undefined>(CHARGED_BY_HANDLER, context.getHandler())) {
      await this.rateLimits.takeRequest(principal, reply);
    }
    return true;
  }
}
