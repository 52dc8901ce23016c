import { Controller, Get, Headers, Inject, Param, Res } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import {
  isFinalState,
  type PoolName,
  type TaskStreamEvent,
  type TaskView,
} from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { GatewayMetrics } from '../metrics.js';
import { TasksService } from './tasks.service.js';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { Tenant } from '../tenant.decorator.js';
import { GATEWAY_CONFIG, TASK_QUEUES } from '../tokens.js';
import { listenThenRead, openEventStream } from '../events/open-event-stream.js';
import { TaskEvents, isFinalChange, type TaskChange } from '../events/task-events.service.js';
import { TaskIdPipe } from '../http/id-format.pipe.js';

/**
 * `GET /v1/tasks/:id/events`: the task as Server-Sent Events. It sends the log lines not
 * yet seen, the current state, then each change (state, progress, log) as it happens, and
 * ends with one `completed`, `failed` or `cancelled` event. An event's id is the number of
 * log lines sent so far, so a client reconnecting with Last-Event-ID gets only newer lines;
 * one connecting after the task finished gets its final event at once.
 */
@Controller('v1/tasks')
export class TaskEventsController {
  constructor(
    private readonly tasks: TasksService,
    private readonly events: TaskEvents,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
  ) {}

  @Get(':id/events')
  @RequireScopes('tasks:read')
  async stream(
    @Tenant() tenant: string,
    @Param('id', TaskIdPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Listen before the first read, so nothing that happens in between is lost.
    const listening = await listenThenRead<TaskChange, TaskView>(
      (listener) => this.events.subscribe(id, listener),
      () => this.tasks.get(tenant, id),
    );
    const { inbox, unsubscribe } = listening;
    let view = listening.first;
    const stream = openEventStream(reply, inbox, this.metrics.streamSettings(this.config));

    let logsSent = logLinesSeen(lastEventId);
    const send = (event: TaskStreamEvent, data: unknown) => stream.send(logsSent, event, data);
    const queue = this.queues.get(view.pool);
    const sendNewLogs = async () => {
      if (!queue) return;
      const { logs } = await queue.getJobLogs(id, logsSent, -1);
      for (const line of logs) {
        logsSent += 1;
        send('log', { line });
      }
    };

    try {
      await sendNewLogs();
      send('state', view);
      let final = isFinalState(view.state);
      while (!final) {
        const change = await inbox.next();
        if (change === undefined) break; // client went away
        if (change.type === 'closing') {
          send('shutdown', { message: 'the gateway is restarting; reconnect' });
          break;
        }
        await sendNewLogs();
        if (change.type === 'progress') {
          send('progress', { progress: change.progress });
          continue;
        }
        const current = await this.tasks.read(tenant, id);
        // Removed without a tombstone (by an operator): it will never run, as if cancelled.
        view = current ?? { ...view, state: 'cancelled' };
        final = isFinalChange(change) || isFinalState(view.state);
        if (!final) send('state', view);
      }
      if (final) send(finalEvent(view), view);
    } catch {
      // Redis failed mid-stream: say so (without internals) and end; the client may reconnect.
      send('shutdown', { message: 'the task store is unavailable; reconnect later' });
    } finally {
      unsubscribe();
      stream.end(this.events.isClosing);
    }
  }
}

/**
 * The log lines a client resuming with this Last-Event-ID has seen. A value this stream never
 * sends (not a count, or past a safe integer, which Redis would refuse as a list index) counts
 * as absent, as in the workflow stream, rather than a 400: EventSource sends the header by
 * itself and gives up for good on a non-200 answer, so the lines are sent again from the first.
 */
function logLinesSeen(lastEventId: string | undefined): number {
  if (lastEventId === undefined || !/^\d+$/.test(lastEventId)) return 0;
  const seen = Number(lastEventId);
  return Number.isSafeInteger(seen) ? seen : 0;
}

/** A final change whose job reads as not finished yet (re-queued at once) counts as failed. */
function finalEvent(view: TaskView): 'completed' | 'failed' | 'cancelled' {
  return view.state === 'completed' || view.state === 'cancelled' ? view.state : 'failed';
}
