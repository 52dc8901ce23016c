import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, SCOPES, type Scope } from '@agentq/contracts';
import { ApiError } from '../http/api-error.js';
import { DEFAULT_TENANT } from '../tenant.decorator.js';
import {
  presentedKey,
  type ApiKeyStore,
  type CredentialOptions,
  type Principal,
} from '@agentq/queue';

/** With AGENTQ_AUTH=off every request acts as this: tenant `default`, every scope. */
export const ANONYMOUS: Principal = {
  keyId: 'anonymous',
  tenant: DEFAULT_TENANT,
  scopes: new Set(SCOPES),
  rateLimit: undefined,
  taskRateLimit: undefined,
};

/** Turns a request's headers into a principal (401) and checks its scopes (403). */
export class Authenticator {
  /** `keys` undefined: authentication is off. */
  constructor(private readonly keys: ApiKeyStore | undefined) {}

  /** The principal the request's key stands for; 401 when there is no key or it is unknown. */
  authenticate(headers: IncomingHttpHeaders, options?: CredentialOptions): Principal {
    if (!this.keys) return ANONYMOUS;
    const key = presentedKey(headers, options);
    if (key === undefined) {
      throw new ApiError(
        ErrorCode.Unauthenticated,
        'an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
      );
    }
    const principal = this.keys.authenticate(key);
    if (!principal) throw new ApiError(ErrorCode.Unauthenticated, 'unknown API key');
    return principal;
  }

  /** 403 unless the principal holds every scope. */
  authorize(principal: Principal, required: readonly Scope[]): void {
    const missing = required.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) {
      throw new ApiError(
        ErrorCode.Forbidden,
        `this API key lacks the scope ${missing.join(', ')}`,
        {
          missing,
        },
      );
    }
  }
}
