import type { TaskSpecInput } from '@agentq/contracts';

/** A fresh key for a submit the caller gave none: the call's retries reuse it. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * The batch route keys each task by its own `idempotencyKey`, so every task without one
 * gets one made from the batch's key and its place: a retried batch queues none twice.
 */
export function withTaskKeys(specs: readonly TaskSpecInput[], batchKey: string): TaskSpecInput[] {
  return specs.map((spec, index) =>
    spec.idempotencyKey === undefined ? { ...spec, idempotencyKey: `${batchKey}-${index}` } : spec,
  );
}
