export * from './agent.js';
export * from './errors.js';
export * from './registry.js';
export { builtinAgents } from './builtin/builtin-agents.js';
export { echoAgent } from './builtin/echo.agent.js';
export { simAgent, SimInputSchema, type SimInput, type SimResult } from './builtin/sim.agent.js';
