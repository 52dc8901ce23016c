import { readFileSync } from 'node:fs';
import { TenantPoliciesSchema, type TenantPolicies } from '@agentq/contracts';
import { z } from 'zod';
import type { EnvDocs } from './env.js';

const json = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const policiesText = json.pipe(TenantPoliciesSchema);

const policiesFile = z
  .string()
  .min(1)
  .transform((file, ctx) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${(error as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(policiesText);

/**
 * Per-tenant policies (a share of the pools, a limit on running tasks, LLM budgets and model
 * allowlists), read by the gateway and the workers alike: JSON in AGENTQ_TENANTS, or a file
 * (a mounted ConfigMap) in AGENTQ_TENANTS_FILE; a tenant in both takes the file's.
 */
export const tenantsEnvShape = {
  AGENTQ_TENANTS: policiesText.default({}),
  AGENTQ_TENANTS_FILE: policiesFile.optional(),
};

/** What each of tenantsEnvShape's variables means (docs/configuration.md is generated from it). */
export const tenantsEnvDocs = {
  AGENTQ_TENANTS:
    'per-tenant policies, JSON `{"acme": {"weight": 3, "maxRunning": 10, "llm": {"models": [...], "tokensPerDay": N}}}`: share and running limit per pool ([fair-share.md](fair-share.md)), LLM limits ([llm.md](llm.md)); read by the gateway and the workers',
  AGENTQ_TENANTS_FILE:
    "file holding such JSON (a mounted ConfigMap), read at start; a tenant in both takes the file's policy",
} satisfies EnvDocs<typeof tenantsEnvShape>;

export function tenantPoliciesFromEnv(env: {
  AGENTQ_TENANTS: TenantPolicies;
  AGENTQ_TENANTS_FILE?: TenantPolicies | undefined;
}): TenantPolicies {
  return { ...env.AGENTQ_TENANTS, ...env.AGENTQ_TENANTS_FILE };
}
