import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { PoolName } from '@agentq/contracts';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board over every pool's queue at /admin/queues. There is no auth yet, so main.ts
 * mounts it only when AGENTQ_GATEWAY_ADMIN_UI=true, read-only unless told otherwise.
 */
export async function mountBullBoard(
  fastify: FastifyInstance,
  queues: ReadonlyMap<PoolName, Queue>,
  readOnly: boolean,
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [...queues.values()].map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly }),
    ),
    serverAdapter,
  });
  await fastify.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
}
