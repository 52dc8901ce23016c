import type { Principal } from './key-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth guard on every non-public route. */
    principal?: Principal;
  }
}
