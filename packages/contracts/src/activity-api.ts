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
 * One of a budget's two measures: its limit per minute as workers last reserved with it, and
 * what they took of it.
 */
export const BudgetUseSchema = z.object({
  /** The limit per minute; null: no limit. */
  limit: z.number().int().nullable(),
  /**
   * Taken in the last 60 s, from per-minute counts (the previous minute's spread evenly);
   * tokens are the reserved estimates settled to the real counts, and null (not counted)
   * without a token limit.
   */
  lastMinute: z.number().int().nullable(),
  /**
   * What the budget lets through at once now: at most one second's worth of the limit, below
   * zero while an overdraw refills; null without a limit.
   */
  available: z.number().int().nullable(),
});
export type BudgetUse = z.infer<typeof BudgetUseSchema>;

/**
 * A provider+model's shared rate-limit budget (requests and tokens per minute), as the
 * workers that call it published it; the model as called (after routing and fallbacks).
 */
export const LlmBudgetSchema = z.object({
  model: z.string(),
  requests: BudgetUseSchema,
  tokens: BudgetUseSchema,
  /** When a worker last took from it (ISO 8601). */
  lastCallAt: z.string(),
});
export type LlmBudget = z.infer<typeof LlmBudgetSchema>;

/**
 * `GET /v1/providers`: each provider used in the window with its circuit now, its use per
 * model over the window, its models' rate-limit budgets now, and the use hour by hour. A
 * non-admin key sees its own tenant's use, and the budgets of the providers listed for it.
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
      /** The budgets of its models called in the window, by model. */
      budgets: z.array(LlmBudgetSchema),
    }),
  ),
  hours: z.array(z.object({ at: z.string(), usage: z.array(ModelUsageSchema) })),
});
export type ProvidersView = z.infer<typeof ProvidersViewSchema>;
