import type { PoolHistoryQuery, PoolHistoryView, PoolStats } from '@agentq/contracts';
import type { CallOptions } from './call-options.js';
import type { HttpTransport } from './http-transport.js';

/** `/v1/pools`: each pool's backlog, workers and task slots, and its recent minutes. */
export class PoolsApi {
  constructor(private readonly http: HttpTransport) {}

  async list(options: CallOptions = {}): Promise<PoolStats[]> {
    const { pools } = await this.http.get<{ pools: PoolStats[] }>('/v1/pools', options);
    return pools;
  }

  /** Each pool's last `minutes` (default 60, at most 120), oldest first, one entry a minute. */
  history(
    query: Partial<PoolHistoryQuery> = {},
    options: CallOptions = {},
  ): Promise<PoolHistoryView> {
    return this.http.get('/v1/pools/history', options, { minutes: query.minutes });
  }
}
