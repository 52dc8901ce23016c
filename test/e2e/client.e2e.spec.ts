import net from 'node:net';
import { AgentqClient, type TaskEvent } from '@agentq/client';
import type { AppProcess } from '../helpers/app-process.js';
import { gatewayKeyEnv, makeApiKey, TEST_KEY } from '../helpers/api-keys.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { startGateway, startWorker } from '../helpers/system.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

// @agentq/client against the real gateway and worker: every route round trip, an event
// stream cut mid-task and resumed, and a submit retried through a gateway SIGKILLed after
// Redis took it.

const prefix = uniquePrefix('client');
/** A tenant of its own, so the killed-gateway test can count every task it has. */
const KILL_KEY = makeApiKey('client-kill');
const env = { AGENTQ_PREFIX: prefix, ...gatewayKeyEnv([TEST_KEY, KILL_KEY]) };
const running: AppProcess[] = [];
let port: number;
let gateway: AppProcess;
let client: AgentqClient;

/**
 * A client sending through a proxy on `proxyPort`, with retries that outlast a gateway
 * restart (a second or two on a busy machine); `sent` lists the method of every request.
 */
function clientThrough(proxyPort: number, apiKey: string) {
  const sent: string[] = [];
  const client = new AgentqClient({
    baseUrl: `http://127.0.0.1:${proxyPort}`,
    apiKey,
    retry: { maxAttempts: 100, baseDelayMs: 50, maxDelayMs: 300 },
    fetch: (input, init) => {
      sent.push(init?.method ?? 'GET');
      return fetch(input, init);
    },
  });
  return { client, sent };
}

beforeAll(async () => {
  port = await freePort();
  const started = await startGateway(env, port);
  gateway = started.app;
  running.push(gateway, await startWorker({ AGENTQ_PREFIX: prefix, AGENTQ_CONCURRENCY: '8' }));
  client = new AgentqClient({ baseUrl: started.url, apiKey: TEST_KEY.key });
});

afterAll(async () => {
  await Promise.all(running.map((app) => app.stop()));
  await deletePrefix(prefix);
});

/** Always fails, on its one attempt: a task that ends in the dead-letter list at once. */
const failing = { agent: 'sim', attempts: 1, input: { failProbability: 1 } } as const;

describe('AgentqClient against the gateway', () => {
  it('submits, waits, reads, lists and logs tasks', async () => {
    const accepted = await client.tasks.submit({
      agent: 'sim',
      input: { steps: 3, output: 'done' },
    });
    expect(accepted.state).toBe('waiting');

    const finished = await client.tasks.wait(accepted.id, { timeoutMs: 20_000 });
    expect(finished).toMatchObject({ id: accepted.id, state: 'completed', progress: 100 });
    expect(await client.tasks.get(accepted.id)).toEqual(finished);
    expect(await client.tasks.logs(accepted.id)).toEqual({
      logs: ['step 1 of 3', 'step 2 of 3', 'step 3 of 3'],
      count: 3,
    });

    const batch = await client.tasks.submitBatch([
      { agent: 'echo', input: 1 },
      { agent: 'echo', input: 2 },
    ]);
    const batchIds = batch.tasks.map((task) => task.id);
    for (const id of batchIds) await client.tasks.wait(id);

    const pages = [];
    for await (const page of client.tasks.listPages({ state: 'completed', limit: 2 })) {
      pages.push(page.tasks.map((task) => task.id));
    }
    const listed = [];
    for await (const task of client.tasks.list({ agent: 'echo' })) listed.push(task.id);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.flat()).toEqual(expect.arrayContaining([accepted.id, ...batchIds]));
    expect(listed.sort()).toEqual([...batchIds].sort());
  });

  it('cancels a waiting task and retries a failed one', async () => {
    const delayed = await client.tasks.submit({ agent: 'echo', delayMs: 60_000 });
    expect(delayed.state).toBe('delayed');
    expect(await client.tasks.cancel(delayed.id)).toMatchObject({ state: 'cancelled' });
    await expect(client.tasks.cancel(delayed.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      status: 409,
    });

    const { id } = await client.tasks.submit(failing);
    const failed = await client.tasks.wait(id);
    expect(failed.state).toBe('failed');
    await client.tasks.retry(id);
    const failedAgain = await client.tasks.wait(id);
    expect(failedAgain.state).toBe('failed');
    expect(failedAgain.finishedAt).not.toBe(failed.finishedAt);
  });

  it('lists, reads and redrives dead letters', async () => {
    const { id } = await client.tasks.submit(failing);
    const failed = await client.tasks.wait(id);

    const listed = [];
    for await (const entry of client.deadLetters.list({ pool: 'default', limit: 1 })) {
      listed.push(entry.id);
    }
    expect(listed).toContain(id);
    expect(await client.deadLetters.get(id)).toMatchObject({ id, agent: 'sim', attemptsMade: 1 });

    const redriven = await client.deadLetters.redrive({ ids: [id, 'wf-unknown'] });
    expect(redriven).toMatchObject({ redriven: [id], notFound: ['wf-unknown'], conflicts: [] });
    const failedAgain = await client.tasks.wait(id);
    expect(failedAgain.state).toBe('failed');
    expect(failedAgain.finishedAt).not.toBe(failed.finishedAt);
  });

  it('runs a workflow, follows its events and cancels another', async () => {
    const submitted = await client.workflows.submit({
      steps: [
        { id: 'plan', agent: 'echo', input: { items: ['a', 'b'] } },
        {
          id: 'use',
          agent: 'echo',
          dependsOn: ['plan'],
          input: { $ref: 'steps.plan.output.items' },
        },
      ],
    });
    expect(submitted.state).toBe('running');

    const events = [];
    for await (const event of client.workflows.events(submitted.id)) events.push(event);
    expect(events.at(-1)).toMatchObject({
      event: 'workflow',
      data: { state: 'completed', final: true },
    });
    expect(events.filter((event) => event.event === 'step').length).toBeGreaterThanOrEqual(4);

    const done = await client.workflows.wait(submitted.id);
    expect(done.steps.find((step) => step.id === 'use')?.output).toEqual(['a', 'b']);
    expect(await client.workflows.get(submitted.id)).toEqual(done);

    const slow = await client.workflows.submit({
      steps: [{ id: 'long', agent: 'sim', input: { latencyMs: 60_000 } }],
    });
    await client.workflows.cancel(slow.id);
    expect(await client.workflows.wait(slow.id, { timeoutMs: 20_000 })).toMatchObject({
      state: 'cancelled',
    });
    await expect(client.workflows.cancel(slow.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('reads the pools and types the API errors', async () => {
    const pools = await client.pools.list();
    expect(pools.find((pool) => pool.pool === 'default')).toMatchObject({ workers: 1, slots: 8 });

    const error: unknown = await client.tasks.submit({ agent: 'nope' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AgentqError', code: 'UNKNOWN_AGENT', status: 422 });
    expect((error as { requestId?: string }).requestId).toMatch(/./);
  });

  it('resumes an event stream cut mid-task without losing or repeating a log line', async () => {
    const steps = 30;
    const { id } = await client.tasks.submit({
      agent: 'sim',
      input: { latencyMs: 3000, steps },
    });
    const proxy = await TcpProxy.create(port);
    const { client: throughProxy, sent } = clientThrough(proxy.port, TEST_KEY.key);

    const events: TaskEvent[] = [];
    try {
      for await (const event of throughProxy.tasks.events(id)) {
        events.push(event);
        const logged = events.filter((seen) => seen.event === 'log').length;
        // Cut after a few lines, several times: every connection open at that moment is reset.
        if (event.event === 'log' && [3, 10, 20].includes(logged)) {
          proxy.cut();
          proxy.restore();
        }
      }
    } finally {
      await proxy.close();
    }

    const lines = events.flatMap((event) => (event.event === 'log' ? [event.data.line] : []));
    expect(lines).toEqual(Array.from({ length: steps }, (_, i) => `step ${i + 1} of ${steps}`));
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { state: 'completed' } });
    expect(events.filter((event) => event.event === 'completed')).toHaveLength(1);
    expect(sent.length).toBeGreaterThanOrEqual(4);
  });

  it('retries a submit through a gateway SIGKILLed after Redis took it: one task', async () => {
    const proxy = await ResponseHoldingProxy.create(port);
    const { client: killClient, sent } = clientThrough(proxy.port, KILL_KEY.key);
    try {
      // The gateway answers, but the answer is held: the client is left with no outcome.
      proxy.holdNewConnections = true;
      const submitting = killClient.tasks.submit({ agent: 'echo', input: 'once' });
      await gateway.waitFor(
        (line) =>
          line.msg === 'request' &&
          line.route === '/v1/tasks' &&
          line.status === 201 &&
          line.tenant === 'client-kill',
        'the first submit answered',
      );
      await gateway.stop('SIGKILL');
      proxy.holdNewConnections = false;
      const restarted = await startGateway(env, port);
      gateway = restarted.app;
      running.push(gateway);

      const accepted = await submitting;

      // The answer the client never got named the same task.
      expect(proxy.heldText()).toContain(`"id":"${accepted.id}"`);
      expect(sent.filter((method) => method === 'POST').length).toBeGreaterThanOrEqual(2);
      const tasks = [];
      for await (const task of killClient.tasks.list()) tasks.push(task.id);
      expect(tasks).toEqual([accepted.id]);
      expect(await killClient.tasks.wait(accepted.id)).toMatchObject({ result: 'once' });
    } finally {
      await proxy.close();
    }
  });
});

/**
 * A TCP proxy that can hold back everything the server sends on a connection (kept for the
 * test to read) while passing on what the client sends; when the server's side closes, the
 * client's is reset. A client behind it sees a server that died before answering.
 */
class ResponseHoldingProxy {
  /** Connections opened while set hold every answer, for as long as they last. */
  holdNewConnections = false;
  private readonly held: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async create(targetPort: number): Promise<ResponseHoldingProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as net.AddressInfo;
    const proxy = new ResponseHoldingProxy(server, address.port);
    server.on('connection', (client) => proxy.accept(client, targetPort));
    return proxy;
  }

  heldText(): string {
    return Buffer.concat(this.held).toString('utf8');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, targetPort: number): void {
    const upstream = net.connect({ port: targetPort, host: '127.0.0.1' });
    this.sockets.add(client).add(upstream);
    client.pipe(upstream);
    const holding = this.holdNewConnections;
    upstream.on('data', (chunk: Buffer) => {
      if (holding) this.held.push(chunk);
      else client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.resetAndDestroy();
        upstream.destroy();
      });
    }
  }
}
