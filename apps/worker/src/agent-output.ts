import type { AgentRegistry, AnyAgent } from '@agentq/agents';

/**
 * An agent returned a result its own `outputSchema` refuses: a bug in the agent, which a
 * retry would repeat, so the task fails at once (AGENT_FAILED) and stores no result.
 */
export class InvalidOutputError extends Error {
  override readonly name = 'InvalidOutputError';
}

/** The agent's result as its output schema parses it, or an {@link InvalidOutputError}. */
export function checkedOutput(registry: AgentRegistry, agent: AnyAgent, output: unknown): unknown {
  const check = registry.checkOutput(agent, output);
  if (check.ok) return check.output;
  const problems = check.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(result)'}: ${issue.message}`,
  );
  throw new InvalidOutputError(
    `agent "${agent.name}" returned a result its output schema refuses: ${problems.join('; ')}`,
  );
}
