import type { WorkflowSpecInput, WorkflowView } from '@agentq/contracts';
import {
  DEFAULT_WAIT_MS,
  type CallOptions,
  type EventStreamOptions,
  type SubmitOptions,
  type WaitOptions,
} from './call-options.js';
import type { HttpTransport } from './http-transport.js';
import { newIdempotencyKey } from './idempotency-key.js';
import { longPoll } from './long-poll.js';
import { parseStreamEvent } from './parse-stream-event.js';
import type { RetryOptions } from './retry-policy.js';
import { resumableEventStream } from './resumable-event-stream.js';
import { isFinalWorkflowEvent, type WorkflowStreamEvent } from './workflow-events.js';

const workflowPath = (id: string, rest = '') => `/v1/workflows/${encodeURIComponent(id)}${rest}`;

/** A workflow has ended once every step ended, which its `finishedAt` says. */
const hasEnded = (view: WorkflowView) => view.finishedAt !== null;

/** `/v1/workflows`: submit a DAG of steps, read it, follow it, cancel it. */
export class WorkflowsApi {
  constructor(
    private readonly http: HttpTransport,
    private readonly retryPolicy: RetryOptions,
  ) {}

  /** Starts a workflow. Retried safely: the idempotency key is the same on every try. */
  submit(spec: WorkflowSpecInput, options: SubmitOptions = {}): Promise<WorkflowView> {
    return this.http.json({
      method: 'POST',
      path: '/v1/workflows',
      body: spec,
      idempotencyKey: options.idempotencyKey ?? newIdempotencyKey(),
      idempotent: true,
      signal: options.signal,
    });
  }

  get(id: string, options: CallOptions = {}): Promise<WorkflowView> {
    return this.http.json({
      method: 'GET',
      path: workflowPath(id),
      idempotent: true,
      signal: options.signal,
    });
  }

  /** The workflow once every step ended, or as it is at the timeout. */
  wait(id: string, options: WaitOptions = {}): Promise<WorkflowView> {
    return longPoll(
      (waitSeconds) =>
        this.http.json<WorkflowView>({
          method: 'GET',
          path: workflowPath(id),
          query: { wait: waitSeconds },
          idempotent: true,
          signal: options.signal,
          holdMs: waitSeconds * 1000,
        }),
      hasEnded,
      options.timeoutMs ?? DEFAULT_WAIT_MS,
    );
  }

  /**
   * The workflow's `step` and `workflow` events, up to the `workflow` event with
   * `final: true`; a dropped connection is resumed with Last-Event-ID.
   */
  async *events(id: string, options: EventStreamOptions = {}): AsyncGenerator<WorkflowStreamEvent> {
    const stream = resumableEventStream({
      open: (lastEventId, signal) =>
        this.http.openStream(
          { method: 'GET', path: workflowPath(id, '/events'), idempotent: true },
          lastEventId,
          signal,
        ),
      lastEventId: options.lastEventId,
      policy: this.retryPolicy,
      signal: options.signal,
    });
    for await (const { message } of stream) {
      const event = parseStreamEvent<WorkflowStreamEvent>(message);
      yield event;
      if (isFinalWorkflowEvent(event)) return;
    }
  }

  /** Cancels pending steps and aborts running ones; 409 once the workflow ended. */
  cancel(id: string, options: CallOptions = {}): Promise<WorkflowView> {
    return this.http.json({
      method: 'POST',
      path: workflowPath(id, '/cancel'),
      idempotent: true,
      signal: options.signal,
    });
  }
}
