import type { KeyView } from '@agentq/contracts';
import { ActivityApi } from './activity-api.js';
import type { CallOptions } from './call-options.js';
import { DeadLettersApi } from './dead-letters-api.js';
import { HttpTransport } from './http-transport.js';
import { PoolsApi } from './pools-api.js';
import { ScalerApi } from './scaler-api.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
import { TasksApi } from './tasks-api.js';
import { WorkflowsApi } from './workflows-api.js';

export interface AgentqClientOptions {
  /** The gateway's address, e.g. `http://localhost:3000` (a path prefix is kept). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Retry limits of every call; see {@link DEFAULT_RETRY}. */
  retry?: Partial<RetryOptions>;
  /**
   * The fetch to send requests with (a proxy-aware one, say).
   * @defaultValue globalThis.fetch
   */
  fetch?: typeof fetch;
}

/** The agentq HTTP API, one group of routes per property. */
export class AgentqClient {
  readonly tasks: TasksApi;
  readonly workflows: WorkflowsApi;
  readonly deadLetters: DeadLettersApi;
  readonly pools: PoolsApi;
  readonly scaler: ScalerApi;
  readonly activity: ActivityApi;
  private readonly http: HttpTransport;

  constructor(options: AgentqClientOptions) {
    const http = new HttpTransport({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      // Bound: some runtimes refuse a fetch called with another `this`.
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      retry: { ...DEFAULT_RETRY, ...options.retry },
    });
    this.tasks = new TasksApi(http);
    this.workflows = new WorkflowsApi(http);
    this.deadLetters = new DeadLettersApi(http);
    this.pools = new PoolsApi(http);
    this.scaler = new ScalerApi(http);
    this.activity = new ActivityApi(http);
    this.http = http;
  }

  /** The key's tenant and scopes (`GET /v1/me`): what it may do. */
  me(options: CallOptions = {}): Promise<KeyView> {
    return this.http.get('/v1/me', options);
  }
}
