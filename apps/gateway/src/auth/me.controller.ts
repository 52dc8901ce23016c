import { Controller, Get } from '@nestjs/common';
import { SCOPES, type KeyView } from '@agentq/contracts';
import type { Principal } from '@agentq/queue';
import { CurrentPrincipal } from '../tenant.decorator.js';

/**
 * `GET /v1/me`: the presented key's tenant and scopes, for clients that show what a key may
 * do (the console hides the operator pages from keys without `admin`). Any valid key.
 */
@Controller('v1/me')
export class MeController {
  @Get()
  me(@CurrentPrincipal() principal: Principal): KeyView {
    return {
      keyId: principal.keyId,
      tenant: principal.tenant,
      scopes: SCOPES.filter((scope) => principal.scopes.has(scope)),
    };
  }
}
