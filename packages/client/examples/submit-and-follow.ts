// Submits a task, prints its log lines as they come, then its result.
// Run against a gateway: AGENTQ_URL=http://localhost:3000 AGENTQ_API_KEY=aq_... node submit-and-follow.js
import { AgentqClient, AgentqError } from '@agentq/client';

// eslint-disable-next-line no-restricted-properties -- an example reads its settings from the environment
const { AGENTQ_URL = 'http://localhost:3000', AGENTQ_API_KEY = '' } = process.env;

const client = new AgentqClient({ baseUrl: AGENTQ_URL, apiKey: AGENTQ_API_KEY });

async function main(): Promise<void> {
  // A retried submit (network error, 503, 504) reuses its key: at most one task is queued.
  const { id } = await client.tasks.submit(
    { agent: 'sim', input: { latencyMs: 2000, steps: 4, output: 'done' } },
    { idempotencyKey: `example-${Date.now()}` },
  );
  console.log(`submitted ${id}`);

  // Follows the task to its end, reconnecting by itself if the connection drops.
  for await (const event of client.tasks.events(id, { signal: AbortSignal.timeout(30_000) })) {
    if (event.event === 'log') console.log(`log: ${event.data.line}`);
    if (event.event === 'completed') console.log('result:', event.data.result);
    if (event.event === 'failed') console.log('failed:', event.data.error);
  }
}

main().catch((error: unknown) => {
  if (error instanceof AgentqError) {
    console.error(
      `${error.code} (HTTP ${error.status}, request ${error.requestId}): ${error.message}`,
    );
  } else console.error(error);
  process.exitCode = 1;
});
