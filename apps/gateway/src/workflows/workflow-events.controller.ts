import { Controller, Get, Headers, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { listenThenRead, openEventStream } from '../events/open-event-stream.js';
import { GatewayMetrics } from '../metrics.js';
import { Tenant } from '../tenant.decorator.js';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { WorkflowChanges, type WorkflowChange } from './workflow-changes.service.js';
import { WorkflowsService } from './workflows.service.js';
import { WorkflowIdPipe } from '../http/id-format.pipe.js';

/** A Redis stream entry id, as sent in `id:` and given back in Last-Event-ID. */
const STREAM_ID = /^\d+-\d+$/;

/**
 * `GET /v1/workflows/:id/events`: the workflow's transitions as Server-Sent Events, from
 * its start (or after Last-Event-ID): `step` events (`{step, state, at}`) and `workflow`
 * events (`{state, at, final}`); the stream ends after the `workflow` event with
 * `final: true`, sent once every step has ended. One connecting after that gets the whole
 * history at once. Event ids are the workflow's stream entry ids.
 */
@Controller('v1/workflows')
export class WorkflowEventsController {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly changes: WorkflowChanges,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get(':id/events')
  @RequireScopes('tasks:read')
  async stream(
    @Tenant() tenant: string,
    @Param('id', WorkflowIdPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Listen before the first read, so nothing that happens in between is lost.
    const { inbox, unsubscribe } = await listenThenRead<WorkflowChange, unknown>(
      (listener) => this.changes.subscribe(id, listener),
      () => this.workflows.get(tenant, id),
    );
    const { send, end } = openEventStream(reply, inbox, this.metrics.streamSettings(this.config));
    let after = lastEventId !== undefined && STREAM_ID.test(lastEventId) ? lastEventId : '0';
    try {
      for (;;) {
        let final = false;
        for (const { id: entryId, event } of await this.workflows.events(id, after)) {
          const { kind, ...data } = event;
          send(entryId, kind, data);
          after = entryId;
          final ||= event.kind === 'workflow' && event.final;
        }
        if (final) break;
        const change = await inbox.next();
        if (change === undefined) break; // client went away
        if (change === 'closing') {
          send(after, 'shutdown', { message: 'the gateway is restarting; reconnect' });
          break;
        }
        inbox.clear(); // one read covers every change so far
      }
    } catch {
      // Redis failed mid-stream: say so (without internals) and end; the client may reconnect.
      send(after, 'shutdown', { message: 'the workflow store is unavailable; reconnect later' });
    } finally {
      unsubscribe();
      end(this.changes.isClosing);
    }
  }
}
