import { setTimeout as sleep } from 'node:timers/promises';
import { http } from './http.js';

/**
 * Waits for each task to complete (a failing expectation names the first that did not),
 * asking again after a 503 as a client would while the gateway reconnects.
 */
export async function untilCompleted(gatewayUrl: string, ids: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const id of ids) {
    let answer = await http('GET', `${gatewayUrl}/v1/tasks/${id}?wait=30`);
    while (answer.status === 503 && Date.now() < deadline) {
      await sleep(100);
      answer = await http('GET', `${gatewayUrl}/v1/tasks/${id}?wait=30`);
    }
    expect(answer.body).toMatchObject({ id, state: 'completed' });
  }
}

/**
 * Submits an echo task every 100 ms until the gateway takes one, as a client retrying
 * through a failover would: answers its id and every status seen on the way.
 */
export async function submitThroughOutage(
  gatewayUrl: string,
  timeoutMs = 60_000,
): Promise<{ id: string; statuses: Set<number> }> {
  const deadline = Date.now() + timeoutMs;
  const statuses = new Set<number>();
  for (;;) {
    const answer = await http('POST', `${gatewayUrl}/v1/tasks`, { agent: 'echo', input: 1 });
    statuses.add(answer.status);
    if (answer.status === 201) return { id: (answer.body as { id: string }).id, statuses };
    if (Date.now() > deadline) throw new Error('the gateway never took a task again');
    await sleep(100);
  }
}

/** A batch of `count` echo tasks, retried on 503 as a client would; answers their ids. */
export async function submitBatchThroughOutage(
  gatewayUrl: string,
  count: number,
): Promise<string[]> {
  const tasks = Array.from({ length: count }, (_, i) => ({ agent: 'echo', input: { i } }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await http('POST', `${gatewayUrl}/v1/tasks/batch`, { tasks });
    if (answer.status === 201) {
      return (answer.body as { tasks: { id: string }[] }).tasks.map((task) => task.id);
    }
    expect(answer.status).toBe(503);
    if (Date.now() > deadline) throw new Error('the gateway kept answering 503');
    await sleep(100);
  }
}
