import net from 'node:net';
import type { Job } from 'bullmq';
import { startGateway, type Gateway } from './gateway-harness.js';

/** 2 MB of log lines: more than the kernel's buffers of one connection take. */
const LOG_LINES = 2000;
const line = 'x'.repeat(1000);

async function taskWithLongHistory(gateway: Gateway): Promise<string> {
  await gateway.startWorker('default', async (job: Job) => {
    for (let i = 0; i < LOG_LINES; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => job.log(line)));
    }
    return 'done';
  });
  const submitted = await gateway.request('POST', '/v1/tasks?wait=30', { agent: 'echo' });
  expect(submitted.body.state).toBe('completed');
  return submitted.body.id as string;
}

/** A client that asks for the task's events and then reads nothing. */
function neverReadingClient(gateway: Gateway, id: string) {
  const { port } = new URL(gateway.baseUrl);
  const socket = net.connect({ port: Number(port), host: '127.0.0.1' }, () => {
    socket.write(
      `GET /v1/tasks/${id}/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${gateway.keys.default}\r\n\r\n`,
    );
  });
  socket.pause();
  socket.on('error', () => undefined); // the reset, once it reads again
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  /** Reads again (a paused socket does not notice a reset) until the connection is gone. */
  return { closed: () => (socket.resume(), closed) };
}

/** Until the gateway says so: the value is read from its /metrics, as an operator would. */
async function untilMetric(gateway: Gateway, name: string, value: number): Promise<void> {
  while ((await metric(gateway, name)) !== value) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const metric = async (gateway: Gateway, name: string) => {
  const text = (await gateway.request('GET', '/metrics')).text;
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};

describe('event streams whose clients stop reading', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('closes a stream that would hold more than its bound, at once, and serves the rest', async () => {
    gateway = await startGateway({
      AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES: String(64 * 1024),
      AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS: '600000',
    });
    const id = await taskWithLongHistory(gateway);
    const clients = Array.from({ length: 50 }, () => neverReadingClient(gateway as Gateway, id));
    // Other requests are answered meanwhile.
    expect((await gateway.request('GET', `/v1/tasks/${id}`)).status).toBe(200);
    await untilMetric(gateway, 'agentq_gateway_sse_streams_closed_slow_total', 50);
    await Promise.all(clients.map((client) => client.closed()));
    expect(await metric(gateway, 'agentq_gateway_sse_streams_blocked')).toBe(0);
    expect(await metric(gateway, 'agentq_gateway_sse_streams_open')).toBe(0);
  });

  it('closes a stream its client leaves unread past the deadline', async () => {
    gateway = await startGateway({
      AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES: String(8 * 1024 * 1024),
      AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS: '1500',
    });
    const id = await taskWithLongHistory(gateway);
    const clients = Array.from({ length: 20 }, () => neverReadingClient(gateway as Gateway, id));
    // Blocked (the server holds events) or ended (the kernel holds them): held either way.
    await untilMetric(gateway, 'agentq_gateway_sse_streams_open', 20);
    await untilMetric(gateway, 'agentq_gateway_sse_streams_closed_slow_total', 20);
    await Promise.all(clients.map((client) => client.closed()));
    expect(await metric(gateway, 'agentq_gateway_sse_streams_open')).toBe(0);
  });
});
