import { z } from 'zod';
import type { Agent } from '../agent.js';

/** Returns its input unchanged: the smallest end-to-end check of a deployment. */
export const echoAgent: Agent<unknown, unknown> = {
  name: 'echo',
  version: '1.0.0',
  description: 'Returns its input.',
  inputSchema: z.unknown(),
  run(input) {
    return Promise.resolve(input);
  },
};
