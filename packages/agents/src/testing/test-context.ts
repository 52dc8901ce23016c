import type { AgentContext } from '../agent.js';

/** A service the test did not provide: any use fails with a message saying so. */
function missing<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_, property) => {
      if (property === 'then') return undefined; // not a promise
      throw new Error(`ctx.${name}.${String(property)} is not provided by this test context`);
    },
  });
}

/**
 * An AgentContext for unit tests of agents (plugins too): progress and log lines are
 * collected; state, llm and http fail when used unless given in `overrides`.
 */
export function createTestContext(
  overrides: Partial<AgentContext> = {},
): AgentContext & { logs: string[]; progressUpdates: Array<number | Record<string, unknown>> } {
  const logs: string[] = [];
  const progressUpdates: Array<number | Record<string, unknown>> = [];
  return {
    taskId: 'test-task',
    attempt: 1,
    redelivered: false,
    tenant: 'test-tenant',
    signal: new AbortController().signal,
    progress: (value) => {
      progressUpdates.push(value);
      return Promise.resolve();
    },
    log: (line) => {
      logs.push(line);
      return Promise.resolve();
    },
    state: missing('state'),
    llm: missing('llm'),
    http: missing('http'),
    logs,
    progressUpdates,
    ...overrides,
  };
}
