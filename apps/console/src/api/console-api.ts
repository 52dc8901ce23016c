import { AgentqClient, AgentqError, ClientErrorCode } from '@agentq/client';
import type {
  PoolHistoryView,
  ScalerDecisionsPage,
  ScalerPinBody,
  ScalerPinView,
  ScalerStatusView,
} from '@agentq/contracts';

/**
 * A console UI should say what failed soon rather than retry for a minute: two tries, and a
 * call gives up after 15 s.
 */
const CONSOLE_RETRY = { maxAttempts: 2, deadlineMs: 15_000 };

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/**
 * Every call the console makes, all to the public API on the page's own origin with the
 * user's key. Tasks, workflows, dead letters and pools go through `@agentq/client`; the
 * routes it does not cover yet (pool history, the scaler) through {@link request} here.
 */
export class ConsoleApi {
  readonly client: AgentqClient;

  constructor(
    private readonly apiKey: string,
    private readonly baseUrl = window.location.origin,
  ) {
    this.client = new AgentqClient({ baseUrl, apiKey, retry: CONSOLE_RETRY });
  }

  poolHistory(minutes: number, signal?: AbortSignal): Promise<PoolHistoryView> {
    return this.request('GET', `/v1/pools/history?minutes=${minutes}`, undefined, signal);
  }

  scalerStatus(signal?: AbortSignal): Promise<ScalerStatusView> {
    return this.request('GET', '/v1/scaler/status', undefined, signal);
  }

  scalerDecisions(
    query: { pool?: string; before?: string; limit?: number },
    signal?: AbortSignal,
  ): Promise<ScalerDecisionsPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    return this.request('GET', `/v1/scaler/decisions?${params.toString()}`, undefined, signal);
  }

  pin(pool: string, body: ScalerPinBody): Promise<ScalerPinView> {
    return this.request('PUT', `/v1/scaler/pins/${encodeURIComponent(pool)}`, body);
  }

  unpin(pool: string): Promise<ScalerPinView> {
    return this.request('DELETE', `/v1/scaler/pins/${encodeURIComponent(pool)}`);
  }

  /** One call, its error answer as an AgentqError like the client's. */
  private async request<T>(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw new AgentqError({
        code: ClientErrorCode.NetworkError,
        message: 'the gateway did not answer',
        cause: error,
      });
    }
    const parsed = (await response.json().catch(() => undefined)) as unknown;
    if (response.ok) return parsed as T;
    const error = (parsed as ErrorBody | undefined)?.error;
    throw new AgentqError({
      code: error?.code ?? ClientErrorCode.UnexpectedResponse,
      message: error?.message ?? `HTTP ${response.status}`,
      status: response.status,
      details: error?.details,
      requestId: response.headers.get('x-request-id') ?? undefined,
    });
  }
}
