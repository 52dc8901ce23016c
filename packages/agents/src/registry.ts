import type { z } from 'zod';
import type { AgentDeployment, AnyAgent } from './agent.js';

/** The result of checking a task's input against its agent's schema. */
export type InputCheck =
  | { ok: true; input: unknown }
  | { ok: false; reason: 'unknown-agent' }
  | { ok: false; reason: 'invalid-input'; issues: z.core.$ZodIssue[] };

/** The result of checking an agent's result against its output schema (if it has one). */
export type OutputCheck = { ok: true; output: unknown } | { ok: false; issues: z.core.$ZodIssue[] };

/** The agents a process knows, by name. Registering a name twice is a startup error. */
export class AgentRegistry {
  private readonly agents = new Map<string, AnyAgent>();

  constructor(
    agents: readonly AnyAgent[] = [],
    /** When given, input is also checked against it (see `Agent.checkDeployment`). */
    private readonly deploymentFor?: (tenant: string) => AgentDeployment,
  ) {
    for (const agent of agents) this.register(agent);
  }

  register(agent: AnyAgent): void {
    if (this.agents.has(agent.name)) {
      throw new Error(`agent "${agent.name}" is registered twice`);
    }
    this.agents.set(agent.name, agent);
  }

  get(name: string): AnyAgent | undefined {
    return this.agents.get(name);
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }

  /**
   * Checks (and normalizes, e.g. fills defaults of) a task's input for its agent, and what
   * the deployment offers the task's tenant when both are known.
   */
  checkInput(name: string, input: unknown, tenant?: string): InputCheck {
    const agent = this.agents.get(name);
    if (!agent) return { ok: false, reason: 'unknown-agent' };
    const parsed = agent.inputSchema.safeParse(input);
    if (!parsed.success) return { ok: false, reason: 'invalid-input', issues: parsed.error.issues };
    const problems =
      this.deploymentFor && tenant !== undefined
        ? (agent.checkDeployment?.(parsed.data, this.deploymentFor(tenant)) ?? [])
        : [];
    if (problems.length === 0) return { ok: true, input: parsed.data };
    const issues = problems.map(({ path, message }): z.core.$ZodIssue => ({
      code: 'custom',
      path,
      message,
      input,
    }));
    return { ok: false, reason: 'invalid-input', issues };
  }

  /**
   * Checks an agent's result against its output schema; an agent without one passes as is.
   * A mismatch is a bug in the agent, so retrying will not help.
   */
  checkOutput(agent: AnyAgent, output: unknown): OutputCheck {
    if (!agent.outputSchema) return { ok: true, output };
    const parsed = agent.outputSchema.safeParse(output);
    return parsed.success
      ? { ok: true, output: parsed.data }
      : { ok: false, issues: parsed.error.issues };
  }
}
