import type {
  WorkflowListQuery,
  WorkflowPage,
  WorkflowSpecInput,
  WorkflowSummary,
  WorkflowView,
} from '@agentq/contracts';
import type {
  CallOptions,
  EventStreamOptions,
  SubmitOptions,
  WaitOptions,
} from './call-options.js';
import { cursorPages } from './cursor-pages.js';
import type { HttpTransport } from './http-transport.js';
import { newIdempotencyKey } from './idempotency-key.js';
import { parseStreamEvent } from './parse-stream-event.js';
import { waitForView } from './wait-for-view.js';
import { isFinalWorkflowEvent, type WorkflowStreamEvent } from './workflow-events.js';

/** State filter and page size of a workflow listing. */
export type WorkflowListFilter = Partial<Omit<WorkflowListQuery, 'cursor'>>;

const workflowPath = (id: string, rest = '') => `/v1/workflows/${encodeURIComponent(id)}${rest}`;

/** A workflow has ended once every step ended, which its `finishedAt` says. */
const hasEnded = (view: WorkflowView) => view.finishedAt !== null;

/** `/v1/workflows`: submit a DAG of steps, list, read, follow and cancel them. */
export class WorkflowsApi {
  constructor(private readonly http: HttpTransport) {}

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
    return this.http.get(workflowPath(id), options);
  }

  /** The tenant's workflows, newest first, one page after another (following `nextCursor`). */
  async *listPages(
    filter: WorkflowListFilter = {},
    options: CallOptions = {},
  ): AsyncGenerator<WorkflowPage> {
    yield* cursorPages<WorkflowPage>(this.http, '/v1/workflows', filter, options);
  }

  /** Every workflow of the tenant in the state asked for (any without), newest first. */
  async *list(
    filter: WorkflowListFilter = {},
    options: CallOptions = {},
  ): AsyncGenerator<WorkflowSummary> {
    for await (const page of this.listPages(filter, options)) yield* page.workflows;
  }

  /** The workflow once every step ended, or as it is at the timeout. */
  wait(id: string, options: WaitOptions = {}): Promise<WorkflowView> {
    return waitForView(this.http, workflowPath(id), hasEnded, options);
  }

  /**
   * The workflow's `step` and `workflow` events, up to the `workflow` event with
   * `final: true`; a dropped connection is resumed with Last-Event-ID.
   */
  async *events(id: string, options: EventStreamOptions = {}): AsyncGenerator<WorkflowStreamEvent> {
    for await (const { message } of this.http.events(workflowPath(id, '/events'), options)) {
      const event = parseStreamEvent<WorkflowStreamEvent>(message);
      yield event;
      if (isFinalWorkflowEvent(event)) return;
    }
  }

  /** Cancels pending steps and aborts running ones; 409 once the workflow ended. */
  cancel(id: string, options: CallOptions = {}): Promise<WorkflowView> {
    const path = workflowPath(id, '/cancel');
    return this.http.json({ method: 'POST', path, idempotent: true, signal: options.signal });
  }
}
