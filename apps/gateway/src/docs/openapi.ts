import { z } from 'zod';
import {
  ActivityQuerySchema,
  ApiLimits,
  BatchAcceptedSchema,
  BatchSubmitSchema,
  DeadLetterLimits,
  DeadLetterListQuerySchema,
  DeadLetterPageSchema,
  DeadLetterRedriveSchema,
  DeadLetterRedrivenSchema,
  DeadLetterViewSchema,
  ErrorBodySchema,
  KeyViewSchema,
  PoolHistoryQuerySchema,
  PoolHistoryViewSchema,
  PoolStatsSchema,
  ProvidersViewSchema,
  ScalerDecisionsQuerySchema,
  ScalerPinBodySchema,
  TenantUsageViewSchema,
  TenantsViewSchema,
  TaskAcceptedSchema,
  TaskAttemptsSchema,
  TaskListQuerySchema,
  TaskLogsSchema,
  TaskPageSchema,
  TaskSpecSchema,
  TaskViewSchema,
  WaitQuerySchema,
  WorkflowListQuerySchema,
  WorkflowPageSchema,
  WorkflowSpecSchema,
  WorkflowViewSchema,
} from '@agentq/contracts';

/** JSON Schema of a zod schema, as a client writes it (input) or reads it (output). */
const schema = (type: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(type, { io, target: 'openapi-3.0', unrepresentable: 'any' });

const json = (type: z.ZodType, io: 'input' | 'output' = 'output') => ({
  content: { 'application/json': { schema: schema(type, io) } },
});

const error = (description: string) => ({ description, ...json(ErrorBodySchema) });

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const poolParam = { name: 'pool', in: 'path', required: true, schema: { type: 'string' } };

/** What every /v1/scaler route answers when the gateway has no scaler to ask. */
const scalerUnavailable = error('No scaler configured, or it did not answer (SCALER_UNAVAILABLE)');

/** An answer whose shape is a contracts interface the scaler serves (named in its description). */
const anyObject = { content: { 'application/json': { schema: { type: 'object' } } } };

/**
 * One query parameter per key of the schema a controller parses its query with: whether
 * it is required, its type, enum, bounds and default come from that schema, so the two
 * cannot drift apart. `descriptions` must name exactly the schema's keys (checked by tsc).
 */
function queryParams<Shape extends z.core.$ZodShape>(
  type: z.ZodObject<Shape>,
  descriptions: Readonly<Record<keyof Shape & string, string>>,
): object[] {
  const { properties = {}, required = [] } = schema(type, 'input');
  const described: Readonly<Record<string, string>> = descriptions;
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    description: described[name],
    schema: property,
  }));
}

/** `POST /v1/tasks` answers {id, state}, or with `?wait=` the whole task view. */
const submitAnswer = z.xor([TaskAcceptedSchema, TaskViewSchema]);

type Operation = { responses: Record<string, unknown> };

/** Every operation answers 401 without a known key, 403 without its scope, 429 past its budget. */
function withAuthAnswers<P extends Record<string, Record<string, Operation>>>(paths: P): P {
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      operation.responses = {
        ...operation.responses,
        '401': error('No API key, or an unknown one'),
        '403': error('The API key lacks the scope this operation needs'),
        '429': operation.responses['429'] ?? error("Over the key's rate limit; see Retry-After"),
        '503': operation.responses['503'] ?? error('Redis unavailable: nothing was done'),
      };
    }
  }
  return paths;
}

/** The OpenAPI 3.0 document of the HTTP API, built from the contracts' zod schemas. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    info: {
      title: 'agentq gateway',
      version: '1',
      description:
        'Submit AI-agent tasks and follow them. Every error answers {"error": {code, message, details}}.',
    },
    paths: withAuthAnswers({
      '/v1/tasks': {
        post: {
          summary: 'Submit a task',
          description:
            'Answers {id, state}; with ?wait=, the whole task view once the task finished or the time is up, with the same status.',
          parameters: [
            ...queryParams(WaitQuerySchema, {
              wait: 'Hold the answer until the task finished, at most this many seconds, and answer its task view',
            }),
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } },
          ],
          requestBody: { required: true, ...json(TaskSpecSchema, 'input') },
          responses: {
            '201': {
              description: 'Queued: {id, state}; with ?wait=, the task view',
              ...json(submitAnswer),
            },
            '200': {
              description:
                'A repeat of an idempotency key: the first task, {id, state}; with ?wait=, its task view',
              ...json(submitAnswer),
            },
            '400': error('Invalid spec or input'),
            '409': error('Idempotency key used with a different body'),
            '413': error('Body, or the task input as JSON, over its size limit'),
            '422': error('Unknown agent'),
            '429': error(
              "Backlog full, tenant's unfinished-task cap or LLM budget (BUDGET_EXCEEDED), or the key's rate; see Retry-After",
            ),
            '503': error('Redis unavailable: nothing was queued'),
            '504': error(
              'OUTCOME_UNKNOWN: Redis did not confirm the write; details.taskId (taskIds) tells which id to GET. Retry only with the same Idempotency-Key',
            ),
          },
        },
        get: {
          summary: "List the tenant's tasks, newest first",
          parameters: queryParams(TaskListQuerySchema, {
            state: 'only tasks in this state',
            pool: 'only this pool',
            agent: 'only this agent',
            priority: 'only this priority',
            limit: 'page size',
            cursor: 'nextCursor of the previous page',
          }),
          responses: {
            '200': { description: 'A page', ...json(TaskPageSchema) },
            '400': error('Bad filter or cursor'),
          },
        },
      },
      '/v1/tasks/batch': {
        post: {
          summary: `Submit up to ${ApiLimits.maxBatchTasks} tasks, all or none`,
          requestBody: { required: true, ...json(BatchSubmitSchema, 'input') },
          responses: {
            '201': { description: 'All queued', ...json(BatchAcceptedSchema) },
            '400': error('A task is invalid (details name its index)'),
            '409': error('An idempotency key was used with a different body'),
            '413': error(
              "Body, or a task's input as JSON, over its size limit (details name its index)",
            ),
            '429': error(
              "Backlog full, tenant's unfinished-task cap or LLM budget (BUDGET_EXCEEDED), or the key's rate; see Retry-After",
            ),
            '504': error(
              'OUTCOME_UNKNOWN: Redis did not confirm the write; details.taskIds to GET',
            ),
          },
        },
      },
      '/v1/tasks/{id}': {
        get: {
          summary: 'Read a task',
          parameters: [
            idParam,
            ...queryParams(WaitQuerySchema, {
              wait: 'Hold the answer until the task finished, at most this many seconds',
            }),
          ],
          responses: {
            '200': { description: 'The task', ...json(TaskViewSchema) },
            '404': error('Unknown task'),
            '410': error(
              'EXPIRED: the task finished and retention removed it; details.finishedAt, details.state',
            ),
          },
        },
      },
      '/v1/tasks/{id}/events': {
        get: {
          summary: 'Follow a task as Server-Sent Events',
          description:
            'Events: state, progress, log, then one of completed, failed, cancelled (or shutdown), then the stream ends. Send Last-Event-ID to resume.',
          parameters: [
            idParam,
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'The event stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '404': error('Unknown task'),
            '410': error(
              'EXPIRED: the task finished and retention removed it; details.finishedAt, details.state',
            ),
          },
        },
      },
      '/v1/tasks/{id}/logs': {
        get: {
          summary: "A task's log lines",
          parameters: [idParam],
          responses: {
            '200': { description: 'The lines', ...json(TaskLogsSchema) },
            '404': error('Unknown task'),
            '410': error(
              'EXPIRED: the task finished and retention removed it; details.finishedAt, details.state',
            ),
          },
        },
      },
      '/v1/tasks/{id}/attempts': {
        get: {
          summary: "The task's failed attempts, oldest first: code, message, worker, timing",
          parameters: [idParam],
          responses: {
            '200': { description: 'The attempts', ...json(TaskAttemptsSchema) },
            '404': error('Unknown task'),
          },
        },
      },
      '/v1/tasks/{id}/cancel': {
        post: {
          summary: 'Cancel a task',
          parameters: [idParam],
          responses: {
            '200': {
              description: 'Removed before it started: now cancelled',
              ...json(TaskViewSchema),
            },
            '202': {
              description: 'Running: its worker was asked to stop',
              ...json(TaskViewSchema),
            },
            '404': error('Unknown task'),
            '410': error(
              'EXPIRED: the task finished and retention removed it; details.finishedAt, details.state',
            ),
            '409': error('Already finished'),
          },
        },
      },
      '/v1/tasks/{id}/retry': {
        post: {
          summary: 'Run a failed task again',
          parameters: [idParam],
          responses: {
            '200': { description: 'Queued again', ...json(TaskViewSchema) },
            '404': error('Unknown task'),
            '410': error(
              'EXPIRED: the task finished and retention removed it; details.finishedAt, details.state',
            ),
            '409': error('Not failed'),
          },
        },
      },
      '/v1/dead-letter': {
        get: {
          summary: "List the tenant's dead letters (tasks that failed for good), newest first",
          parameters: queryParams(DeadLetterListQuerySchema, {
            pool: 'only this pool',
            limit: 'page size',
            offset: 'nextOffset of the previous page',
          }),
          responses: {
            '200': { description: 'A page', ...json(DeadLetterPageSchema) },
            '400': error('Bad filter or page'),
          },
        },
      },
      '/v1/dead-letter/{id}': {
        get: {
          summary: 'Read one dead letter: the spec and every failed attempt',
          parameters: [idParam],
          responses: {
            '200': { description: 'The dead letter', ...json(DeadLetterViewSchema) },
            '404': error('No dead letter of the tenant under this id'),
          },
        },
      },
      '/v1/dead-letter/redrive': {
        post: {
          summary: 'Run dead letters again under their ids, with fresh attempts',
          description: `Either ids (at most ${DeadLetterLimits.maxRedrive}), or a pool: its oldest dead letters, at most limit (default ${DeadLetterLimits.defaultRedriveLimit}) per call; remaining says how many are left.`,
          requestBody: { required: true, ...json(DeadLetterRedriveSchema, 'input') },
          responses: {
            '200': { description: 'What happened to each id', ...json(DeadLetterRedrivenSchema) },
            '400': error('Neither or both of ids and pool, or a bad id, pool or limit'),
          },
        },
      },
      '/v1/workflows': {
        post: {
          summary: 'Submit a workflow (a DAG of steps)',
          description:
            'Validated whole at submit: unique step ids, known dependencies, no cycle (the error names one), at most 1,000 steps, each step\'s agent and input, and `{"$ref": "steps.<id>.output[.path]"}` only to a dependency.',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
          requestBody: { required: true, ...json(WorkflowSpecSchema, 'input') },
          responses: {
            '201': { description: 'Stored; its first steps queued', ...json(WorkflowViewSchema) },
            '200': {
              description: 'The first workflow of a repeated Idempotency-Key',
              ...json(WorkflowViewSchema),
            },
            '400': error('Invalid workflow (each problem in details)'),
            '504': error(
              'OUTCOME_UNKNOWN: Redis did not confirm the write; details.workflowId to GET',
            ),
            '409': error('Idempotency-Key used with another body'),
            '422': error('Unknown agent'),
          },
        },
        get: {
          summary: "List the tenant's workflows, newest first",
          description:
            'Each: id, name, state, createdAt, finishedAt and step counts (total, completed, failed, unfinished). Workflows are listed from their submit while they are kept (the longest retention), up to AGENTQ_GATEWAY_WORKFLOW_INDEX_MAX per tenant.',
          parameters: queryParams(WorkflowListQuerySchema, {
            state: 'only workflows in this state',
            limit: 'page size',
            cursor: 'nextCursor of the previous page',
          }),
          responses: {
            '200': { description: 'A page', ...json(WorkflowPageSchema) },
            '400': error('Bad filter or cursor'),
          },
        },
      },
      '/v1/workflows/{id}': {
        get: {
          summary: 'Read a workflow and its steps',
          description:
            'With ?wait=, answers once every step has ended (finishedAt set) or the time is up.',
          parameters: [
            idParam,
            ...queryParams(WaitQuerySchema, {
              wait: 'Hold the answer until every step ended, at most this many seconds',
            }),
          ],
          responses: {
            '200': { description: 'The workflow', ...json(WorkflowViewSchema) },
            '404': error('Unknown workflow'),
          },
        },
      },
      '/v1/workflows/{id}/events': {
        get: {
          summary: 'Follow a workflow as Server-Sent Events',
          description:
            'Events: step {step, state, at} and workflow {state, at, final}, from the start (or after Last-Event-ID); the stream ends after the workflow event with final: true.',
          parameters: [
            idParam,
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'The event stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '404': error('Unknown workflow'),
          },
        },
      },
      '/v1/workflows/{id}/cancel': {
        post: {
          summary: 'Cancel a workflow',
          description: 'Pending steps end cancelled; running ones are asked to stop.',
          parameters: [idParam],
          responses: {
            '202': { description: 'Cancelled', ...json(WorkflowViewSchema) },
            '404': error('Unknown workflow'),
            '409': error('Already ended'),
          },
        },
      },
      '/v1/pools': {
        get: {
          summary: 'Backlog and workers of each pool',
          responses: {
            '200': {
              description: 'The pools',
              ...json(z.object({ pools: z.array(PoolStatsSchema) })),
            },
          },
        },
      },
      '/v1/pools/history': {
        get: {
          summary:
            "Each pool's last minutes: tasks started, completed, failed, retried, start latency",
          description:
            'From per-minute rollups the workers keep in Redis (two hours); every minute of the window is answered, oldest first, zeros where nothing ran.',
          parameters: queryParams(PoolHistoryQuerySchema, {
            minutes: 'How many minutes, up to now',
          }),
          responses: {
            '200': { description: 'The pools, minute by minute', ...json(PoolHistoryViewSchema) },
            '400': error('Invalid minutes'),
          },
        },
      },
      '/v1/scaler/status': {
        get: {
          summary:
            "The scaler's status (admin): per pool current, desired and pinned workers, what it last read, its latest decisions",
          description:
            "Forwarded to the scaler's API (AGENTQ_SCALER_URL). Each decision carries its reason, rationale, inputs and the leader's fencing token.",
          responses: {
            '200': { description: 'ScalerStatusView (packages/contracts)', ...anyObject },
            '503': scalerUnavailable,
          },
        },
      },
      '/v1/scaler/decisions': {
        get: {
          summary: 'The decisions that changed a count, newest first (admin)',
          parameters: queryParams(ScalerDecisionsQuerySchema, {
            pool: 'One pool only',
            before: "The previous page's next",
            limit: 'Most decisions in the page',
          }),
          responses: {
            '200': { description: 'ScalerDecisionsPage: {decisions, next}', ...anyObject },
            '400': error('Invalid query'),
            '503': scalerUnavailable,
          },
        },
      },
      '/v1/scaler/pins/{pool}': {
        put: {
          summary: "Pin a pool's workers to a number for a while (admin): a manual scale out or in",
          parameters: [poolParam],
          requestBody: { required: true, ...json(ScalerPinBodySchema, 'input') },
          responses: {
            '200': { description: '{pool, replicas, ttlSeconds}', ...anyObject },
            '400': error('Invalid pool, replicas or ttlSeconds (past the maximum pin)'),
            '404': error('Unknown pool'),
            '503': scalerUnavailable,
          },
        },
        delete: {
          summary: 'Unpin a pool (admin): the policy decides again',
          parameters: [poolParam],
          responses: {
            '200': { description: '{pool, pinned: false}', ...anyObject },
            '404': error('Unknown pool, or not pinned'),
            '503': scalerUnavailable,
          },
        },
      },
      '/v1/tenants': {
        get: {
          summary: "Every tenant's finished tasks and LLM use over the last hours (admin)",
          description:
            'From hourly rollups the workers keep in Redis (48 hours): totals over the window, most tasks first, and each hour.',
          parameters: queryParams(ActivityQuerySchema, { hours: 'How many hours, up to now' }),
          responses: {
            '200': { description: 'The tenants', ...json(TenantsViewSchema) },
            '400': error('Invalid hours'),
          },
        },
      },
      '/v1/providers': {
        get: {
          summary:
            "Each LLM provider's circuit and rate-limit budgets now and its use per model over the last hours",
          description:
            "An admin key sees every tenant's use; another key its own tenant's, and the budgets of the providers it used. `unknown`: calls that failed before a provider answered. `budgets`: per model as called, the requests and tokens per minute the workers last called it under (null: no limit), what the last 60 s took of them, and what the bucket lets through at once now.",
          parameters: queryParams(ActivityQuerySchema, { hours: 'How many hours, up to now' }),
          responses: {
            '200': { description: 'The providers', ...json(ProvidersViewSchema) },
            '400': error('Invalid hours'),
          },
        },
      },
      '/v1/me': {
        get: {
          summary: "The presented key's tenant and scopes (any valid key)",
          responses: { '200': { description: 'The key', ...json(KeyViewSchema) } },
        },
      },
      '/v1/usage': {
        get: {
          summary: "The tenant's LLM tokens and cost today and this month, and its budget",
          description:
            'An `admin` key may read another tenant with `?tenant=`. While a budget is used up, tasks of agents that call the LLM are refused with 429 `BUDGET_EXCEEDED` and a Retry-After until the day or month ends (UTC).',
          parameters: queryParams(z.object({ tenant: z.string().min(1).max(128).optional() }), {
            tenant: 'Another tenant (admin keys only)',
          }),
          responses: {
            '200': { description: 'Use and budget', ...json(TenantUsageViewSchema) },
            '403': { description: "Another tenant's usage without an admin key" },
          },
        },
      },
    }),
  };
}
