import type { AnyAgent } from '@agentq/agents';
import { wordCountAgent } from './word-count.agent.js';

/** What agentq reads from a plugin module (AGENTQ_AGENT_MODULES). */
export const agents: AnyAgent[] = [wordCountAgent];
