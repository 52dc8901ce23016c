/** Redis keys the gateway owns (beside BullMQ's), all under the configured prefix. */
export const gatewayKeys = {
  /** Hash of the spec first submitted with an idempotency key (the task id is derived from it). */
  idempotency: (prefix: string, taskId: string) => `${prefix}:gw:idem:${taskId}`,
  /** What GET answers for a task cancelled before it started (its job is gone). */
  tombstone: (prefix: string, taskId: string) => `${prefix}:gw:tombstone:${taskId}`,
  /** A tenant's tasks: sorted set of `<submit time>/<pool>/<taskId>` members, all scored 0. */
  tenantTasks: (prefix: string, tenant: string) => `${prefix}:gw:tenant:${tenant}:tasks`,
  /** A tenant's workflows: sorted set of `<submit time>/<workflowId>` members, all scored 0. */
  tenantWorkflows: (prefix: string, tenant: string) => `${prefix}:gw:tenant:${tenant}:workflows`,
  /** A key's token bucket (`requests` or `tasks`): hash of tokens left and when counted. */
  rateLimit: (prefix: string, kind: 'requests' | 'tasks', keyId: string) =>
    `${prefix}:gw:ratelimit:${kind}:${keyId}`,
  /**
   * Set once a task was queued, on a Cluster, under its pool's key prefix (its slot): a
   * retried submit does not queue it again (`lua/pool-insert.lua`).
   */
  queuedOnce: (poolPrefix: string, taskId: string) => `${poolPrefix}:gw:queued:${taskId}`,
  /** A tenant's unfinished tasks: sorted set of BullMQ job keys scored by submit time. */
  tenantUnfinished: (prefix: string, tenant: string) => `${prefix}:gw:tenant:${tenant}:unfinished`,
};
