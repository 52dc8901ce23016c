import { z } from 'zod';

/** The pool every task goes to unless it names another. */
export const DEFAULT_POOL = 'default';

/**
 * A pool is a class of workers with the same resources; one BullMQ queue per pool.
 * Lower-case letters, digits and dashes, so the name is safe in queue names, Redis keys,
 * metric labels and Kubernetes object names.
 */
export const PoolNameSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
  message:
    'pool must be 1-32 lower-case letters, digits or dashes, not starting or ending with a dash',
});
export type PoolName = z.infer<typeof PoolNameSchema>;

/**
 * The BullMQ queue that holds a pool's tasks. A wire contract: renaming it strands the
 * tasks already queued, so it never changes without a migration.
 */
export function queueName(pool: PoolName): string {
  return `${QUEUE_NAME_PREFIX}${pool}`;
}

const QUEUE_NAME_PREFIX = 'agentq-';

/** The pool whose queue this is ({@link queueName}'s inverse); undefined for another queue. */
export function poolOfQueue(name: string): PoolName | undefined {
  return name.startsWith(QUEUE_NAME_PREFIX) ? name.slice(QUEUE_NAME_PREFIX.length) : undefined;
}
