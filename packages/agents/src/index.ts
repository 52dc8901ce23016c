export * from './agent.js';
export * from './errors.js';
export * from './registry.js';
export * from './env.js';
export * from './services.js';
export * from './progress-batcher.js';
export { builtinAgents } from './builtin/builtin-agents.js';
export { echoAgent } from './builtin/echo.agent.js';
export { simAgent, SimInputSchema, type SimInput, type SimResult } from './builtin/sim.agent.js';
export { llmChatAgent, LlmChatInputSchema, type LlmChatInput } from './builtin/llm-chat.agent.js';
export {
  httpRequestAgent,
  HttpRequestInputSchema,
  type HttpRequestInput,
} from './builtin/http-request.agent.js';
export type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  ContentPart,
  ResponseFormat,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from './llm/chat.js';
export { LlmService, type LlmClient, type LlmConfig } from './llm/llm-client.js';
export type { ModelPrice, PriceTable } from './llm/pricing.js';
export { RateLimiter, type RateLimits, type Reservation } from './llm/rate-limiter.js';
export { readLlmBudgets, type ProviderModelBudget } from './llm/llm-budgets.js';
export { ProviderBreaker, type BreakerOptions } from './llm/circuit-breaker.js';
export {
  TenantUsage,
  budgetOverrun,
  describeOverrun,
  periodsOf,
  readUsageHistory,
  type BudgetOverrun,
  type HourlyUsage,
} from './llm/tenant-usage.js';
export {
  GuardedHttpClient,
  type HttpClient,
  type HttpPolicy,
  type HttpRequest,
  type HttpResponse,
} from './net/http-client.js';
export { RedisAgentState, type AgentState } from './state/agent-state.js';
export { withLock, type HeldLock, type LockOptions } from './state/lock.js';
export {
  AgentModuleError,
  agentModuleUrl,
  agentsExportedBy,
  loadAgentModules,
} from './plugins/load-agent-modules.js';
export { createTestContext } from './testing/test-context.js';
export {
  completion as fakeCompletion,
  startFakeOpenAi,
  type FakeOpenAi,
} from './testing/fake-openai-server.js';
