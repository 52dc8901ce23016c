import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentNameSchema } from '@agentq/contracts';
import type { AnyAgent } from '../agent.js';
import { builtinAgents } from '../builtin/builtin-agents.js';

/** A plugin that cannot be used; the message names the module (and the agent). */
export class AgentModuleError extends Error {
  override readonly name = 'AgentModuleError';
}

/**
 * The URL a plugin specifier is imported from: paths resolve from `baseDir`, package names
 * from `baseDir`'s node_modules (the worker hands these to its agent threads).
 */
export function agentModuleUrl(specifier: string, baseDir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    return pathToFileURL(resolve(baseDir, specifier)).href;
  }
  return pathToFileURL(createRequire(join(baseDir, 'package.json')).resolve(specifier)).href;
}

function problemsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['is not an object'];
  const agent = value as Record<string, unknown>;
  const problems: string[] = [];
  if (!AgentNameSchema.safeParse(agent.name).success) {
    problems.push('needs a lower-case dotted name');
  }
  if (typeof agent.version !== 'string') problems.push('needs a version string');
  if (typeof agent.description !== 'string') problems.push('needs a description string');
  const schema = agent.inputSchema as { safeParse?: unknown } | undefined;
  if (typeof schema?.safeParse !== 'function') problems.push('needs a zod inputSchema');
  if (typeof agent.run !== 'function') problems.push('needs a run function');
  return problems;
}

/** A module's agents: `export const agents = [...]`, or a default export (one or an array). */
export function agentsExportedBy(module: Record<string, unknown>, specifier: string): unknown[] {
  const exported = module.agents ?? module.default;
  if (exported === undefined) {
    throw new AgentModuleError(
      `agent module "${specifier}" exports neither "agents" nor a default`,
    );
  }
  return Array.isArray(exported) ? exported : [exported];
}

/**
 * Loads plugin agents (AGENTQ_AGENT_MODULES) with dynamic import. Fails on the first bad
 * module with an error naming it: one that throws on load, exports no agents, exports
 * something that is not an agent, or reuses a name (of a built-in or of another plugin).
 * Returns the plugin agents only; register them next to `builtinAgents`.
 */
export async function loadAgentModules(
  specifiers: readonly string[],
  baseDir: string,
  known: readonly AnyAgent[] = builtinAgents,
): Promise<AnyAgent[]> {
  const owners = new Map(known.map((agent) => [agent.name, 'a built-in agent']));
  const loaded: AnyAgent[] = [];
  for (const specifier of specifiers) {
    let module: Record<string, unknown>;
    try {
      module = (await import(agentModuleUrl(specifier, baseDir))) as Record<string, unknown>;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgentModuleError(`agent module "${specifier}" failed to load: ${reason}`, {
        cause: error,
      });
    }
    for (const [index, candidate] of agentsExportedBy(module, specifier).entries()) {
      const problems = problemsOf(candidate);
      if (problems.length > 0) {
        throw new AgentModuleError(
          `agent module "${specifier}", agent #${index + 1}: ${problems.join(', ')}`,
        );
      }
      const agent = candidate as AnyAgent;
      const owner = owners.get(agent.name);
      if (owner) {
        throw new AgentModuleError(
          `agent module "${specifier}": agent "${agent.name}" is already defined by ${owner}`,
        );
      }
      owners.set(agent.name, `agent module "${specifier}"`);
      loaded.push(agent);
    }
  }
  return loaded;
}
