import type { ActivityQuery, ProvidersView, TenantsView, TenantUsageView } from '@agentq/contracts';
import type { CallOptions } from './call-options.js';
import type { HttpTransport } from './http-transport.js';

/** The window of an activity read: the last `hours` (default 24, at most 48). */
export type ActivityWindow = Partial<ActivityQuery>;

/** Who ran what and what it cost: `/v1/tenants`, `/v1/providers` and `/v1/usage`. */
export class ActivityApi {
  constructor(private readonly http: HttpTransport) {}

  /** Every tenant's finished tasks and LLM use, totals and hour by hour (admin keys). */
  tenants(window: ActivityWindow = {}, options: CallOptions = {}): Promise<TenantsView> {
    return this.http.get('/v1/tenants', options, { hours: window.hours });
  }

  /** Each LLM provider's circuit and use per model; an admin key sees every tenant's use. */
  providers(window: ActivityWindow = {}, options: CallOptions = {}): Promise<ProvidersView> {
    return this.http.get('/v1/providers', options, { hours: window.hours });
  }

  /**
   * A tenant's LLM tokens and cost today and this month, and its budget: the key's own
   * tenant, or (admin keys) the one named.
   */
  usage(tenant?: string, options: CallOptions = {}): Promise<TenantUsageView> {
    return this.http.get('/v1/usage', options, { tenant });
  }
}
