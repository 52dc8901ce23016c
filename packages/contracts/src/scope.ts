import { z } from 'zod';

/**
 * What an API key may do. `tasks:write` submits and cancels (tasks and workflows),
 * `tasks:read` reads them, `admin` reaches Bull Board and the admin endpoints.
 */
export const ScopeSchema = z.enum(['tasks:write', 'tasks:read', 'admin']);
export type Scope = z.infer<typeof ScopeSchema>;
export const SCOPES: readonly Scope[] = ScopeSchema.options;

/** `GET /v1/me`: who the presented key is, and what it may do. */
export const KeyViewSchema = z.object({
  /** Names the key in logs (a prefix of its hash); never the key itself. */
  keyId: z.string(),
  tenant: z.string(),
  scopes: z.array(ScopeSchema),
});
export type KeyView = z.infer<typeof KeyViewSchema>;
