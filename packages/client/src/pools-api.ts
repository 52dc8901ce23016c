import type { PoolStats } from '@agentq/contracts';
import type { CallOptions } from './call-options.js';
import type { HttpTransport } from './http-transport.js';

/** `/v1/pools`: each pool's backlog, workers and task slots. */
export class PoolsApi {
  constructor(private readonly http: HttpTransport) {}

  async list(options: CallOptions = {}): Promise<PoolStats[]> {
    const { pools } = await this.http.get<{ pools: PoolStats[] }>('/v1/pools', options);
    return pools;
  }
}
