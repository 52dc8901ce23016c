// The agentq pool worker the benches run: built as main.ts builds it (the default pool's
// settings, the built-in agents), on a prefix of the bench's.
import { AgentRegistry, builtinAgents, createAgentServices } from '@agentq/agents';
import { ClientErrors } from '@agentq/queue';
import { loadConfig } from '../dist/config.js';
import { WorkerMetrics } from '../dist/metrics.js';
import { PoolWorker } from '../dist/pool-worker.js';
import { createTaskProcessor } from '../dist/run-task.js';
import { FailureSettler } from '../dist/settle-failure.js';

/**
 * A pool worker (not started) with `concurrency` slots. `cancels`: the processor's cancel
 * check (a Redis lookup per task when absent); `wrap`: more wiring around the processor
 * (workflow steps). `close()` stops the worker and its agent services.
 */
export function benchPoolWorker({
  connection,
  prefix,
  concurrency,
  logger,
  cancels,
  wrap = (processor) => processor,
}) {
  const config = loadConfig({});
  const services = createAgentServices({
    redis: connection,
    prefix,
    llm: config.llm,
    http: config.agentHttp,
  });
  const failures = new FailureSettler({
    redis: connection,
    prefix,
    logger,
    defaultTimeoutMs: 600_000,
    maxHoldMs: config.maxHoldMs,
  });
  const processor = createTaskProcessor({
    registry: new AgentRegistry(builtinAgents),
    services,
    logger,
    defaultTimeoutMs: 600_000,
    failures,
    redis: connection,
    prefix,
    cancels,
  });
  const worker = new PoolWorker({
    settings: { ...config.pools[0], concurrency },
    processor: wrap(processor),
    connection,
    prefix,
    workerName: `bench:${process.pid}`,
    backoff: { baseMs: 1000, capMs: 300_000 },
    metrics: new WorkerMetrics(),
    logger,
    clientErrors: new ClientErrors(),
    failures,
  });
  return {
    worker,
    async close() {
      await worker.close();
      await services.close();
    },
  };
}
