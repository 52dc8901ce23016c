import type { WorkflowSpec, WorkflowStep } from '@agentq/contracts';
import type { TraceCarrier } from '@agentq/telemetry';
import type { RetentionPolicy } from '../job-options.js';
import { creatingKey, workflowKeys } from './workflow-keys.js';

/** A new workflow's records: hashes to set (flat field, value lists) and its first event. */
export interface WorkflowRecords {
  hashes: { key: string; fields: (string | number)[] }[];
  /** The events stream, and the fields of its first entry. */
  events: string;
  event: string[];
  /** The set of workflows being created (see WorkflowEngine.recoverCreates). */
  creating: string;
}

/**
 * What storing a new workflow writes (read by the scripts `lua/workflow-*.lua`): its
 * meta, each step's record (`queued` for steps without dependencies, else `pending`), its
 * definition, dependencies, count of unfinished dependencies and dependents.
 */
export function workflowRecords(
  prefix: string,
  spec: WorkflowSpec,
  tenant: string,
  id: string,
  retention: RetentionPolicy,
  trace: TraceCarrier | undefined,
): WorkflowRecords {
  const keys = workflowKeys(prefix, id);
  const dependents = new Map<string, string[]>(spec.steps.map((step) => [step.id, []]));
  for (const step of spec.steps)
    for (const dep of step.dependsOn) dependents.get(dep)?.push(step.id);
  const perStep = (value: (step: WorkflowStep) => string | number) =>
    spec.steps.flatMap((step) => [step.id, value(step)]);
  const now = new Date().toISOString();
  return {
    hashes: [
      {
        key: keys.meta,
        fields: [
          ...['state', 'running', 'name', spec.name ?? '', 'tenant', tenant],
          ...['onFailure', spec.onFailure, 'createdAt', now],
          ...['remaining', spec.steps.length, 'failedSteps', 0],
          ...['stepOrder', JSON.stringify(spec.steps.map((step) => step.id))],
          ...['retention', JSON.stringify(retention)],
          ...['keepSeconds', Math.max(retention.completedAgeSeconds, retention.failedAgeSeconds)],
          // The submit's trace: every step's task joins it (one trace per workflow).
          ...(trace === undefined ? [] : ['trace', JSON.stringify(trace)]),
        ],
      },
      {
        key: keys.steps,
        fields: perStep((step) =>
          JSON.stringify({ state: step.dependsOn.length ? 'pending' : 'queued' }),
        ),
      },
      { key: keys.defs, fields: perStep((step) => JSON.stringify(step)) },
      { key: keys.deps, fields: perStep((step) => JSON.stringify(step.dependsOn)) },
      { key: keys.pending, fields: perStep((step) => step.dependsOn.length) },
      {
        key: keys.dependents,
        fields: perStep((step) => JSON.stringify(dependents.get(step.id) ?? [])),
      },
    ],
    events: keys.events,
    event: ['kind', 'workflow', 'state', 'running', 'at', now],
    creating: creatingKey(prefix),
  };
}
