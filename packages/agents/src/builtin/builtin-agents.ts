import type { AnyAgent } from '../agent.js';
import { echoAgent } from './echo.agent.js';
import { httpRequestAgent } from './http-request.agent.js';
import { llmChatAgent } from './llm-chat.agent.js';
import { simAgent } from './sim.agent.js';

/** The agents every agentq process knows. */
export const builtinAgents: readonly AnyAgent[] = [
  echoAgent,
  simAgent,
  llmChatAgent,
  httpRequestAgent,
];
