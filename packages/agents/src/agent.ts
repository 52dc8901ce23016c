import type { z } from 'zod';
import type { LlmClient } from './llm/llm-client.js';
import type { HttpClient } from './net/http-client.js';
import type { AgentState } from './state/agent-state.js';

/** What an agent can use while it runs one task. */
export interface AgentContext {
  /** The task (BullMQ job) id. */
  taskId: string;
  /** 1 on the first run, 2 on the first retry ... (a run lost with its worker counts) */
  attempt: number;
  /**
   * True when an earlier run of this task was lost with its worker (killed mid-run): work
   * it did may have happened already, so make this run idempotent (check before acting).
   */
  redelivered: boolean;
  /** The tenant that owns the task; `state` is scoped to it. */
  tenant: string;
  /** Aborted when the task times out, is cancelled, or the worker shuts down. */
  signal: AbortSignal;
  /** Reports progress: a number (percent) or a small JSON object. */
  progress(value: number | Record<string, unknown>): Promise<void>;
  /** Adds a line to the task's log. */
  log(line: string): Promise<void>;
  /** Shared state in Redis (values, counters, sets, locks), namespaced per tenant. */
  state: AgentState;
  /** Chat completions against the configured provider, rate-limited and metered. */
  llm: LlmClient;
  /** Outbound HTTP restricted to allowed hosts and public addresses. */
  http: HttpClient;
}

/** What a deployment offers one tenant's tasks, that a task's input may have to match. */
export interface AgentDeployment {
  /** The names of the LLM role presets (the built-in ones with AGENTQ_LLM_PRESETS applied). */
  llmPresets: ReadonlySet<string>;
  /** The model of an LLM request that names none (AGENTQ_LLM_MODEL). */
  llmDefaultModel: string;
  /** The models this tenant may call; undefined: any. */
  llmModels?: ReadonlySet<string>;
}

/** Something in a task's input that this deployment cannot run, and where. */
export interface InputProblem {
  path: PropertyKey[];
  message: string;
}

/** A named, versioned handler; its input schema is checked before a task is enqueued. */
export interface Agent<Input = unknown, Output = unknown> {
  name: string;
  version: string;
  description: string;
  inputSchema: z.ZodType<Input>;
  /** When given, the result is checked against it before it is stored. */
  outputSchema?: z.ZodType<Output>;
  /**
   * The agent calls `ctx.llm`: while its tenant is over its LLM budget, the gateway refuses
   * its tasks at submit (the worker refuses the calls in any case).
   */
  usesLlm?: boolean;
  /**
   * Checks valid input against what this deployment offers (a role preset that must
   * exist, say), so that the gateway refuses at submit a task that could never run.
   */
  checkDeployment?(input: Input, deployment: AgentDeployment): InputProblem[];
  run(input: Input, ctx: AgentContext): Promise<Output>;
}

/** An agent whose input type is not known statically (as held by the registry). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAgent = Agent<any, unknown>;
