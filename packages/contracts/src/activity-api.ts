import { z } from 'zod';

/**
 * `GET /v1/tenants` and `GET /v1/providers`: who ran what and what it cost, hour by hour,
 * from rollups the workers keep in Redis for {@link ACTIVITY_MAX_HOURS} hours.
 */

/** The longest window kept and answered, in hours. */
export const ACTIVITY_MAX_HOURS = 48;

export const ActivityQuerySchema = z.strictObject({
  hours: z.coerce.number().int().min(1).max(ACTIVITY_MAX_HOURS).default(24),
});
export type ActivityQuery = z.infer<typeof ActivityQuerySchema>;

/** A tenant's tasks that finished (by how) and its LLM use, over an hour or a window. */
export const TenantActivitySchema = z.object({
  tenant: z.string(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  llmCalls: z.number().int(),
  tokens: z.number().int(),
  costUsd: z.number(),
});
export type TenantActivity = z.infer<typeof TenantActivitySchema>;

/** `GET /v1/tenants` (admin): totals over the window (most tasks first), and each hour. */
export const TenantsViewSchema = z.object({
  tenants: z.array(TenantActivitySchema),
  hours: z.array(z.object({ at: z.string(), tenants: z.array(TenantActivitySchema) })),
});
export type TenantsView = z.infer<typeof TenantsViewSchema>;

/** LLM use of one tenant, provider and model in an hour (model: as the task asked for it). */
export const ModelUsageSchema = z.object({
  tenant: z.string(),
  provider: z.string(),
  model: z.string(),
  calls: z.number().int(),
  tokens: z.number().int(),
  costUsd: z.number(),
});
export type ModelUsage = z.infer<typeof ModelUsageSchema>;

/** A provider's circuit, as every worker sees it. */
export const CircuitStateSchema = z.enum(['closed', 'open', 'half-open']);
export type CircuitStateName = z.infer<typeof CircuitStateSchema>;

/**
 * `GET /v1/providers`: each provider used in the window with its circuit now and its use per
 * model over the window, and the use hour by hour. A non-admin key sees its own tenant's use.
 */
export const ProvidersViewSchema = z.object({
  providers: z.array(
    z.object({
      provider: z.string(),
      circuit: CircuitStateSchema,
      models: z.array(
        z.object({
          model: z.string(),
          calls: z.number().int(),
          tokens: z.number().int(),
          costUsd: z.number(),
        }),
      ),
    }),
  ),
  hours: z.array(z.object({ at: z.string(), usage: z.array(ModelUsageSchema) })),
});
export type ProvidersView = z.infer<typeof ProvidersViewSchema>;
