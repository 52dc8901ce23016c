import { z } from 'zod';

/** LLM limits of one tenant; absent fields do not limit. Periods are UTC days and months. */
export const TenantLlmPolicySchema = z
  .object({
    /** Models the tenant's tasks may call (`model` of a request, or the default model). */
    models: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    tokensPerDay: z.number().int().positive().optional(),
    tokensPerMonth: z.number().int().positive().optional(),
    costUsdPerDay: z.number().positive().optional(),
    costUsdPerMonth: z.number().positive().optional(),
  })
  .strict();
export type TenantLlmPolicy = z.output<typeof TenantLlmPolicySchema>;

export const TenantPolicySchema = z
  .object({
    llm: TenantLlmPolicySchema.optional(),
    /**
     * The tenant's share of a pool's slots against the other tenants with tasks waiting at
     * the same priority (fair sharing): 3 takes three turns to a weight 1 tenant's one.
     */
    weight: z.number().min(0.01).max(1000).optional(),
    /**
     * Most of the tenant's tasks running at once in a pool, across every worker: a number for
     * every pool, or one per pool (`{"default": 10, "gpu": 1}`); its other tasks wait.
     */
    maxRunning: z
      .union([z.number().int().positive(), z.record(z.string(), z.number().int().positive())])
      .optional(),
  })
  .strict();
export type TenantPolicy = z.output<typeof TenantPolicySchema>;

/** Policies by tenant name (AGENTQ_TENANTS); a tenant not listed has no limits. */
export const TenantPoliciesSchema = z.record(z.string().min(1).max(128), TenantPolicySchema);
export type TenantPolicies = Readonly<Record<string, TenantPolicy>>;

/** LLM use in one period. */
export const LlmUsageSchema = z.object({ tokens: z.number(), costUsd: z.number() });
export type LlmUsage = z.output<typeof LlmUsageSchema>;

/** `GET /v1/usage`: a tenant's LLM use today and this month (UTC), and its budget. */
export const TenantUsageViewSchema = z.object({
  tenant: z.string(),
  day: LlmUsageSchema.extend({ period: z.string().describe('UTC day, 2026-12-05') }),
  month: LlmUsageSchema.extend({ period: z.string().describe('UTC month, 2026-12') }),
  budget: TenantLlmPolicySchema,
});
export type TenantUsageView = z.output<typeof TenantUsageViewSchema>;
