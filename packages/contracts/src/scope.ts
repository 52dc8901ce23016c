import { z } from 'zod';

/**
 * What an API key may do. `tasks:write` submits and cancels (tasks and workflows),
 * `tasks:read` reads them, `admin` reaches Bull Board and the admin endpoints.
 */
export const ScopeSchema = z.enum(['tasks:write', 'tasks:read', 'admin']);
export type Scope = z.infer<typeof ScopeSchema>;
export const SCOPES: readonly Scope[] = ScopeSchema.options;
