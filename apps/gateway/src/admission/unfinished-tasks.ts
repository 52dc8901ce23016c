import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import type { GateCall } from './gate-call.js';

/**
 * How long a task's job may not exist yet while it counts toward its tenant's cap: the
 * script that reserves it also enqueues it, so this only covers clock skew and slow adds.
 */
const ENQUEUE_GRACE_MS = 60_000;

/** The gate's tenant-cap step (`lua/includes/reserve-unfinished.lua`). */
export interface CapArgs {
  key: number;
  limit: number;
  now: number;
  graceMs: number;
}

/**
 * The per-tenant cap on tasks not finished yet (AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED): one
 * more would be 429. A sorted set per tenant of its tasks' job keys, reserved by the submit
 * gate for the new tasks of a submit, all or nothing.
 */
@Injectable()
export class UnfinishedTasks {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  /** The gate's arguments, or none when there is no cap. */
  args(call: GateCall, tenant: string, now: number): CapArgs | undefined {
    const limit = this.config.tenantMaxUnfinished;
    if (limit === 0) return undefined;
    const key = call.key(gatewayKeys.tenantUnfinished(this.config.prefix, tenant));
    return { key, limit, now, graceMs: ENQUEUE_GRACE_MS };
  }

  /** The 429 of a tenant with `unfinished` tasks that cannot take `requested` more. */
  quotaExceeded(unfinished: number, requested: number): ApiError {
    const cap = this.config.tenantMaxUnfinished;
    return new ApiError(
      ErrorCode.QuotaExceeded,
      `tenant has ${unfinished} unfinished tasks; at most ${cap} may be waiting or running`,
      { limit: cap, unfinished, requested },
      { 'retry-after': String(this.config.retryAfterSeconds) },
    );
  }
}
