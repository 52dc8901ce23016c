import { fakeCompletion, startFakeOpenAi, type FakeOpenAi } from '@agentq/agents';
import path from 'node:path';
import { AppProcess, ROOT } from '../helpers/app-process.js';
import { launchChromium } from '../helpers/browser.js';
import { gatewayFetch, http } from '../helpers/http.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { traceWaterfall } from '../helpers/trace-waterfall.js';
import { pollUntil } from '../helpers/system.js';

// The gateway and a worker, as processes with tracing on, export to an OTLP receiver in this
// process: one task, submitted inside a caller's trace, fails once and then succeeds.

const prefix = uniquePrefix('tracing');
const receiver = new OtlpReceiver();
let llm: FakeOpenAi;
const running: AppProcess[] = [];
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

beforeAll(async () => {
  await receiver.start();
  llm = await startFakeOpenAi();
  llm.answer((_, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(fakeCompletion('hi'))),
  );
});

afterAll(async () => {
  const codes = await Promise.all(running.map((app) => app.stop()));
  await receiver.stop();
  await llm.close();
  await deletePrefix(prefix);
  expect(codes.every((code) => code === 0)).toBe(true);
});

function start(app: 'gateway' | 'worker', env: Record<string, string> = {}): AppProcess {
  const process = AppProcess.app(app, {
    AGENTQ_PREFIX: prefix,
    AGENTQ_AGENT_MODULES: './test/fixtures/fails-once-plugin.mjs',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    AGENTQ_LLM_BASE_URL: llm.baseUrl,
    ...env,
  });
  running.push(process);
  return process;
}

/** The trace drawn as a viewer would, into docs/tracing-trace.png (for docs/tracing.md). */
async function screenshot(spans: ReceivedSpan[]): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 300 } });
    await page.setContent(traceWaterfall(spans));
    await page.screenshot({ path: path.join(ROOT, 'docs', 'tracing-trace.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

/** The spans of one trace once `done` holds of them (exports arrive in batches). */
async function traceSpans(
  done: (spans: ReceivedSpan[]) => boolean,
  traceId = CALLER_TRACE,
): Promise<ReceivedSpan[]> {
  const ofTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
  await pollUntil(() => done(ofTrace()), 'the spans of the trace', { timeoutMs: 20_000 });
  return ofTrace();
}

describe('a task traced from the request through every attempt', () => {
  it("continues the caller's trace across the gateway and the worker", async () => {
    const gateway = start('gateway', { PORT: '0', AGENTQ_GATEWAY_HOST: '127.0.0.1' });
    const ready = await gateway.waitForMessage('ready');
    expect(ready.tracing).toBe(true);
    const worker = start('worker');

    const response = await gatewayFetch(`${String(ready.url)}/v1/tasks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({
        agent: 'test.fails-once',
        input: { hello: 'trace' },
        attempts: 2,
        backoff: { type: 'fixed', delayMs: 100 },
      }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await worker.waitFor(
      (line) => line.msg === 'task completed' && line.taskId === id,
      'the task to complete',
    );
    const view = await http('GET', `${String(ready.url)}/v1/tasks/${id}`);
    expect(view.body.traceId).toBe(CALLER_TRACE);

    const spans = await traceSpans(
      (all) => all.filter((span) => span.name.startsWith('agentq.attempt')).length === 2,
    );
    const request = spans.find((span) => span.name === 'POST /v1/tasks');
    expect(request).toMatchObject({
      service: 'agentq-gateway',
      parentSpanId: CALLER_SPAN,
      attributes: { 'http.response.status_code': 201, 'http.route': '/v1/tasks' },
    });
    const attempts = spans
      .filter((span) => span.name === 'agentq.attempt test.fails-once')
      .sort(
        (a, b) => Number(a.attributes['agentq.attempt']) - Number(b.attributes['agentq.attempt']),
      );
    expect(attempts.map((span) => span.service)).toEqual(['agentq-worker', 'agentq-worker']);
    // Both attempts are children of the request, though the second ran after a backoff.
    expect(attempts.map((span) => span.parentSpanId)).toEqual([request?.spanId, request?.spanId]);
    expect(attempts[0]).toMatchObject({
      status: { code: 2, message: 'first attempt fails on purpose' },
      attributes: {
        'agentq.task.id': id,
        'agentq.attempt': 1,
        'agentq.outcome': 'retry',
        'error.type': 'AGENT_FAILED',
        'agentq.redelivered': false,
      },
    });
    expect(attempts[1]).toMatchObject({
      status: { code: 1 },
      attributes: { 'agentq.attempt': 2, 'agentq.outcome': 'completed' },
    });
    expect(String(attempts[1]?.attributes['agentq.worker'])).toMatch(/.+/);
    // The apps' log lines of that work name the trace and the span they were logged in.
    const started = worker.lines.filter(
      (line) => line.msg === 'agent started' && line.taskId === id,
    );
    expect(started.map((line) => [line.trace_id, line.span_id])).toEqual(
      attempts.map((span) => [CALLER_TRACE, span.spanId]),
    );
    const access = gateway.lines.find(
      (line) => line.msg === 'request' && line.method === 'POST' && line.route === '/v1/tasks',
    );
    expect(access).toMatchObject({ trace_id: CALLER_TRACE, span_id: request?.spanId });
    await screenshot(spans);
    const wait = spans.find((span) => span.name === 'agentq.queue.wait');
    expect(wait).toMatchObject({
      parentSpanId: request?.spanId,
      attributes: { 'agentq.task.id': id },
    });
    expect(wait!.endMs).toBeLessThanOrEqual(attempts[0]!.startMs + 1);
  });

  it('makes a workflow one trace: every step, queued by the gateway or a worker, joins it', async () => {
    const gateway = running.find((app) => app.name === 'gateway');
    const url = String(gateway?.lines.find((line) => line.msg === 'ready')?.url);
    const workflowTrace = '5bf92f3577b34da6a3ce929d0e0e4737';
    const response = await gatewayFetch(`${url}/v1/workflows`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${workflowTrace}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({
        steps: [
          { id: 'first', agent: 'echo', input: 1 },
          {
            id: 'second',
            agent: 'echo',
            input: { $ref: 'steps.first.output' },
            dependsOn: ['first'],
          },
        ],
      }),
    });
    expect(response.status).toBe(201);
    const spans = await traceSpans(
      (all) => all.filter((span) => span.name === 'agentq.attempt echo').length === 2,
      workflowTrace,
    );
    const request = spans.find((span) => span.name === 'POST /v1/workflows');
    const steps = spans.filter((span) => span.name === 'agentq.attempt echo');
    expect(steps.map((span) => span.parentSpanId)).toEqual([request?.spanId, request?.spanId]);
    expect(steps.map((span) => String(span.attributes['agentq.task.id'])).sort()).toEqual([
      expect.stringContaining('first'),
      expect.stringContaining('second'),
    ]);
  });

  it('makes an llm.chat call a GenAI span of the attempt that made it', async () => {
    const gateway = running.find((app) => app.name === 'gateway');
    const url = String(gateway?.lines.find((line) => line.msg === 'ready')?.url);
    const llmTrace = '6bf92f3577b34da6a3ce929d0e0e4738';
    const response = await gatewayFetch(`${url}/v1/tasks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${llmTrace}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({ agent: 'llm.chat', input: { prompt: 'Hi' } }),
    });
    expect(response.status).toBe(201);
    const spans = await traceSpans(
      (all) => all.some((span) => span.name.startsWith('chat ')),
      llmTrace,
    );
    const attempt = spans.find((span) => span.name === 'agentq.attempt llm.chat');
    const chat = spans.find((span) => span.name.startsWith('chat '));
    expect(chat).toMatchObject({
      service: 'agentq-worker',
      kind: 3, // client
      parentSpanId: attempt?.spanId,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'test-model',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 5,
        'gen_ai.response.finish_reasons': ['stop'],
        'agentq.llm.provider': 'default',
      },
    });
    expect(attempt?.attributes['agentq.outcome']).toBe('completed');
  });
});
