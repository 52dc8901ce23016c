import type { ServerResponse } from 'node:http';
import { AgentqClient } from './agentq-client.js';
import type { TaskEvent } from './task-events.js';
import type { WorkflowStreamEvent } from './workflow-events.js';
import { sendError, TestServer, type Responder } from '../test/test-server.js';
import { resumableEventStream } from './resumable-event-stream.js';

let server: TestServer | undefined;

async function clientFor(respond: Responder) {
  server = await TestServer.start(respond);
  return {
    client: new AgentqClient({
      baseUrl: server.url,
      apiKey: 'aq_test',
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
    }),
    requests: server.requests,
  };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sse = (id: string, event: string, data: unknown) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function openStream(res: ServerResponse, ...events: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`: keep-alive\n\n${events.join('')}`);
}

/** Sends the events, then breaks the connection mid-stream once they are out. */
function sendThenDrop(res: ServerResponse, ...events: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(events.join(''), () => res.socket?.destroy());
}

async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const active = { id: 't', state: 'active' };
const done = { id: 't', state: 'completed' };

describe(resumableEventStream.name, () => {
  it('resumes a dropped task stream after the last event id, losing and repeating nothing', async () => {
    const { client, requests } = await clientFor((_, res, index) => {
      if (index === 0) {
        sendThenDrop(
          res,
          sse('0', 'state', active),
          sse('1', 'log', { line: 'one' }),
          sse('2', 'log', { line: 'two' }),
        );
      } else {
        // The gateway sends the lines missed, then the state again: unchanged, it is skipped.
        openStream(
          res,
          sse('3', 'log', { line: 'three' }),
          sse('3', 'state', active),
          sse('3', 'progress', { progress: 100 }),
          sse('3', 'completed', done),
        );
      }
    });

    const events = await collect(client.tasks.events('t'));

    expect(events.map((event) => [event.event, event.id])).toEqual([
      ['state', '0'],
      ['log', '1'],
      ['log', '2'],
      ['log', '3'],
      ['progress', '3'],
      ['completed', '3'],
    ]);
    expect(events.flatMap((event) => (event.event === 'log' ? [event.data.line] : []))).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(requests.map((request) => request.headers['last-event-id'])).toEqual([undefined, '2']);
    expect(requests[1]?.headers.authorization).toBe('Bearer aq_test');
  });

  it('reconnects when the gateway says it is shutting down, and keeps a changed state', async () => {
    const { client, requests } = await clientFor((_, res, index) => {
      if (index === 0) {
        openStream(res, sse('0', 'state', active), sse('0', 'shutdown', { message: 'bye' }));
        res.end();
      } else {
        openStream(res, sse('0', 'state', { ...active, progress: 50 }), sse('0', 'failed', done));
        res.end();
      }
    });

    const events: TaskEvent[] = await collect(client.tasks.events('t', { lastEventId: '0' }));

    expect(events.map((event) => event.event)).toEqual(['state', 'state', 'failed']);
    expect(requests.map((request) => request.headers['last-event-id'])).toEqual(['0', '0']);
  });

  it('resumes a workflow stream and ends at the final workflow event', async () => {
    const step = (state: string) => ({ step: 'a', state, at: 'now' });
    const { client, requests } = await clientFor((_, res, index) => {
      if (index === 0) sendThenDrop(res, sse('1-0', 'step', step('queued')));
      else {
        openStream(
          res,
          sse('2-0', 'step', step('completed')),
          sse('3-0', 'workflow', { state: 'completed', at: 'now', final: true }),
        );
      }
    });

    const events: WorkflowStreamEvent[] = await collect(client.workflows.events('wf'));

    expect(events.map((event) => [event.event, event.id])).toEqual([
      ['step', '1-0'],
      ['step', '2-0'],
      ['workflow', '3-0'],
    ]);
    expect(requests.map((request) => request.headers['last-event-id'])).toEqual([undefined, '1-0']);
  });

  it('lets the connection go when the consumer stops early', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const { client } = await clientFor((_, res) => {
      res.on('close', closed);
      openStream(res, sse('0', 'state', active));
    });

    for await (const event of client.tasks.events('t')) {
      expect(event.event).toBe('state');
      break;
    }

    await connectionClosed;
  });

  it('fails with the answer when the stream cannot be opened', async () => {
    const { client, requests } = await clientFor((_, res) => sendError(res, 404, 'NOT_FOUND'));

    await expect(collect(client.tasks.events('t'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    expect(requests).toHaveLength(1);
  });

  it('aborts a stream being read with the caller signal', async () => {
    const { client } = await clientFor((_, res) => openStream(res, sse('0', 'state', active)));
    const controller = new AbortController();

    const reading = collect(
      (async function* () {
        for await (const event of client.tasks.events('t', { signal: controller.signal })) {
          controller.abort();
          yield event;
        }
      })(),
    );

    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });
});
