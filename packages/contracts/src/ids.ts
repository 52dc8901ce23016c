/**
 * The shapes of the ids the gateway makes. A client never chooses one, so any other string
 * names nothing: in particular no id can be one of BullMQ's own key names (`events`,
 * `meta`, `stalled-check` ...), which sit beside the job hashes in the same key space.
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** An id made from a tenant and an idempotency key (a hash). */
const KEYED = 'idem-[0-9a-f]{40}';
const ROOT = `(?:${UUID}|${KEYED})`;
/** As StepIdSchema. */
const STEP = '[A-Za-z0-9][A-Za-z0-9_-]{0,62}';

const WORKFLOW_ID = new RegExp(`^${ROOT}$`);
/** A task of its own, or a workflow's step: `wf-<workflow id>-<step id>`. */
const TASK_ID = new RegExp(`^(?:${ROOT}|wf-${ROOT}-${STEP})$`);

export const STEP_ID_PATTERN = new RegExp(`^${STEP}$`);

export function isTaskId(id: string): boolean {
  return TASK_ID.test(id);
}

export function isWorkflowId(id: string): boolean {
  return WORKFLOW_ID.test(id);
}
