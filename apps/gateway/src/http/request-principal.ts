import type { Principal } from '@agentq/queue';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth guard on every non-public route. */
    principal?: Principal;
  }
}
