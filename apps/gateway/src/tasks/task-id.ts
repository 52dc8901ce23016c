import { createHash, randomUUID } from 'node:crypto';

/**
 * Task ids are BullMQ job ids: a random UUID, or, with an idempotency key, a hash of the
 * tenant and key, so a repeated submit lands on the same job instead of a new one.
 */
export function newTaskId(tenant: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const digest = createHash('sha256').update(`${tenant}\n${idempotencyKey}`).digest('hex');
  return `idem-${digest.slice(0, 40)}`;
}

/**
 * A workflow's id: random, or with an idempotency key a hash of the tenant and key (apart
 * from task ids: one key may name a task and a workflow).
 */
export function newWorkflowId(tenant: string, idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined
    ? randomUUID()
    : newTaskId(tenant, `workflow:${idempotencyKey}`);
}
