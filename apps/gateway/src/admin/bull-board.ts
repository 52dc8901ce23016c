import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { PoolName } from '@agentq/contracts';
import type { Authenticator } from '../auth/authenticator.js';
import { toErrorResponse } from '../http/error-response.js';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board over every pool's queue at /admin/queues (when AGENTQ_GATEWAY_ADMIN_UI=true),
 * read-only unless told otherwise. It is a Fastify plugin, outside Nest's guards, so a hook
 * of its own checks for a key with the `admin` scope, from the same key store. Besides
 * Bearer and X-API-Key it takes the key as a Basic password, which browsers prompt for.
 */
export async function mountBullBoard(
  fastify: FastifyInstance,
  queues: ReadonlyMap<PoolName, Queue>,
  readOnly: boolean,
  authenticator: Authenticator,
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [...queues.values()].map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly }),
    ),
    serverAdapter,
  });
  await fastify.register(
    async (board) => {
      board.addHook('onRequest', async (request, reply) => {
        try {
          const principal = authenticator.authenticate(request.headers, { basic: true });
          authenticator.authorize(principal, ['admin']);
          request.principal = principal;
        } catch (error) {
          const { status, body, headers = {} } = toErrorResponse(error);
          if (status === 401) void reply.header('www-authenticate', 'Basic realm="agentq admin"');
          return reply.status(status).headers(headers).send(body);
        }
      });
      await board.register(serverAdapter.registerPlugin());
    },
    { prefix: BULL_BOARD_PATH },
  );
}
