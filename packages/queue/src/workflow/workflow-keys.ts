/** Redis keys of one workflow; all share `${prefix}:wf:${id}` (one slot under a hash tag). */
export function workflowKeys(prefix: string, id: string) {
  const base = `${prefix}:wf:${id}`;
  return {
    meta: `${base}:meta`,
    steps: `${base}:steps`,
    pending: `${base}:pending`,
    dependents: `${base}:dependents`,
    outputs: `${base}:outputs`,
    events: `${base}:events`,
    defs: `${base}:defs`,
    deps: `${base}:deps`,
  };
}

/** The eight keys the Lua scripts take, in their order. */
export function scriptKeys(prefix: string, id: string): string[] {
  const keys = workflowKeys(prefix, id);
  return [
    keys.meta,
    keys.steps,
    keys.pending,
    keys.dependents,
    keys.outputs,
    keys.events,
    keys.defs,
    keys.deps,
  ];
}

/**
 * Workflows whose first steps may not be queued yet: ids scored by when their create began,
 * removed once it queued them (see WorkflowEngine.recoverCreates).
 */
export function creatingKey(prefix: string): string {
  return `${prefix}:wf-creating`;
}

/** Where the scripts publish a workflow's id after each change (pub/sub, no key). */
export function workflowChannel(prefix: string): string {
  return `${prefix}:wf-changes`;
}

/** The task (job) id of a workflow step: fixed, so enqueuing it twice adds it once. */
export function stepTaskId(workflowId: string, stepId: string): string {
  return `wf-${workflowId}-${stepId}`;
}
