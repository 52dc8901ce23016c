import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { GatewayDeps } from '../gateway-deps.js';
import { toErrorResponse } from '../http/error-response.js';
import { DeadLetterBoardAdapter } from './dead-letter-board-adapter.js';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board over every pool's queue and the dead-letter list at /admin/queues (when
 * AGENTQ_GATEWAY_ADMIN_UI=true). The pool queues are read-only unless told otherwise; the
 * dead-letter list always is (re-drive goes through the API). It is a Fastify plugin,
 * outside Nest's guards, so a hook of its own checks for a key with the `admin` scope, from
 * the same key store. Besides Bearer and X-API-Key it takes the key as a Basic password,
 * which browsers prompt for.
 */
export async function mountBullBoard(
  fastify: FastifyInstance,
  { config, redis, queues }: Pick<GatewayDeps, 'config' | 'redis' | 'queues'>,
  authenticator: Authenticator,
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [
      ...[...queues.values()].map(
        (queue) => new BullMQAdapter(queue, { readOnlyMode: config.adminUiReadOnly }),
      ),
      new DeadLetterBoardAdapter(redis, config.prefix),
    ],
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
