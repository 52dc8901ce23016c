import type {
  BatchAccepted,
  TaskAccepted,
  TaskListQuery,
  TaskAttempts,
  TaskLogs,
  TaskPage,
  TaskSpecInput,
  TaskView,
} from '@agentq/contracts';
import type {
  CallOptions,
  EventStreamOptions,
  SubmitOptions,
  WaitOptions,
} from './call-options.js';
import { cursorPages } from './cursor-pages.js';
import type { HttpTransport } from './http-transport.js';
import { newIdempotencyKey, withTaskKeys } from './idempotency-key.js';
import { parseStreamEvent } from './parse-stream-event.js';
import { isFinalTask, isFinalTaskEvent, type TaskEvent } from './task-events.js';
import { waitForView } from './wait-for-view.js';

/** Filters and page size of a task listing. */
export type TaskListFilter = Partial<Omit<TaskListQuery, 'cursor'>>;

const taskPath = (id: string, rest = '') => `/v1/tasks/${encodeURIComponent(id)}${rest}`;

/** `/v1/tasks`: submit, read, follow, cancel and retry tasks. */
export class TasksApi {
  constructor(private readonly http: HttpTransport) {}

  /** Queues a task. Retried safely: the idempotency key is the same on every try. */
  submit(spec: TaskSpecInput, options: SubmitOptions = {}): Promise<TaskAccepted> {
    const idempotencyKey = options.idempotencyKey ?? spec.idempotencyKey ?? newIdempotencyKey();
    return this.http.json({
      method: 'POST',
      path: '/v1/tasks',
      body: spec,
      idempotencyKey,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Queues up to 1,000 tasks, all or none; each task without a key gets one from the batch's. */
  submitBatch(
    specs: readonly TaskSpecInput[],
    options: SubmitOptions = {},
  ): Promise<BatchAccepted> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return this.http.json({
      method: 'POST',
      path: '/v1/tasks/batch',
      body: { tasks: withTaskKeys(specs, idempotencyKey) },
      idempotencyKey,
      idempotent: true,
      signal: options.signal,
    });
  }

  get(id: string, options: CallOptions = {}): Promise<TaskView> {
    return this.http.get(taskPath(id), options);
  }

  /** The task once it finished (completed, failed or cancelled), or as it is at the timeout. */
  wait(id: string, options: WaitOptions = {}): Promise<TaskView> {
    return waitForView(this.http, taskPath(id), isFinalTask, options);
  }

  /** The tenant's tasks, newest first, one page after another (following `nextCursor`). */
  async *listPages(
    filter: TaskListFilter = {},
    options: CallOptions = {},
  ): AsyncGenerator<TaskPage> {
    yield* cursorPages<TaskPage>(this.http, '/v1/tasks', filter, options);
  }

  /** Every task of the tenant matching the filter, newest first, across pages. */
  async *list(filter: TaskListFilter = {}, options: CallOptions = {}): AsyncGenerator<TaskView> {
    for await (const page of this.listPages(filter, options)) yield* page.tasks;
  }

  /**
   * The task's events up to its final one (`completed`, `failed` or `cancelled`). A dropped
   * connection is resumed with Last-Event-ID: no log line is lost or repeated, and the state
   * the gateway sends again on resuming is skipped when it did not change.
   */
  async *events(id: string, options: EventStreamOptions = {}): AsyncGenerator<TaskEvent> {
    let lastState: string | undefined;
    let lastStateConnection = 0;
    for await (const { message, connection } of this.http.events(
      taskPath(id, '/events'),
      options,
    )) {
      if (message.event === 'state') {
        // Each connection sends the task's state once its missed log lines are out.
        const resentOnResume = connection !== lastStateConnection && message.data === lastState;
        lastStateConnection = connection;
        if (resentOnResume) continue;
        lastState = message.data;
      }
      yield parseStreamEvent<TaskEvent>(message);
      if (isFinalTaskEvent(message.event)) return;
    }
  }

  /** The lines the task's agent logged. */
  logs(id: string, options: CallOptions = {}): Promise<TaskLogs> {
    return this.http.get(taskPath(id, '/logs'), options);
  }

  /** The task's failed attempts, oldest first: code, message, worker and timing of each. */
  attempts(id: string, options: CallOptions = {}): Promise<TaskAttempts> {
    return this.http.get(taskPath(id, '/attempts'), options);
  }

  /**
   * Cancels the task: removed if it had not started (`cancelled`), else its worker is asked
   * to stop. Retried like a read: a second cancel does nothing more (it may answer 409).
   */
  cancel(id: string, options: CallOptions = {}): Promise<TaskView> {
    const path = taskPath(id, '/cancel');
    return this.http.json({ method: 'POST', path, idempotent: true, signal: options.signal });
  }

  /** Runs a failed task again with all its attempts. Not retried after no answer or a 5xx. */
  retry(id: string, options: CallOptions = {}): Promise<TaskView> {
    const path = taskPath(id, '/retry');
    return this.http.json({ method: 'POST', path, idempotent: false, signal: options.signal });
  }
}
