import type { JobInsert } from './job-insert.js';

/** The keys fair sharing (`lua/includes/fair-share.lua`) touches for one queue. */
export interface FairShareKeys {
  /** BullMQ's set of prioritized jobs, ordered by score. */
  prioritized: string;
  /** BullMQ's priority counter. */
  counter: string;
  /** The pool's virtual time and each tenant's finish tag per priority level. */
  state: string;
}

const PRIORITIZED = ':prioritized';

/**
 * The fair-sharing keys of the queue a job is added to, when it is added to the prioritized
 * set (every agentq priority is one); none for a delayed job, placed when it comes due.
 */
export function fairShareKeys(insert: JobInsert): FairShareKeys | undefined {
  const prioritized = insert.keys.find((key) => key.endsWith(PRIORITIZED));
  const counter = insert.keys.find((key) => key.endsWith(':pc'));
  if (prioritized === undefined || counter === undefined) return undefined;
  const base = prioritized.slice(0, -PRIORITIZED.length);
  return { prioritized, counter, state: `${base}:agentq-fair` };
}

/** A tenant's share of a pool's slots against the others with waiting tasks, unless configured. */
export const DEFAULT_TENANT_WEIGHT = 1;
