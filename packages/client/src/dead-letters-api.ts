import type {
  DeadLetterListQuery,
  DeadLetterPage,
  DeadLetterRedrive,
  DeadLetterRedriven,
  DeadLetterView,
} from '@agentq/contracts';
import type { CallOptions } from './call-options.js';
import type { HttpTransport } from './http-transport.js';

/** Pool filter and page size of a dead-letter listing. */
export type DeadLetterFilter = Partial<Omit<DeadLetterListQuery, 'offset'>>;

/** `/v1/dead-letter`: the tenant's tasks that failed for good; read them, run them again. */
export class DeadLettersApi {
  constructor(private readonly http: HttpTransport) {}

  /** Newest failure first, one page after another (following `nextOffset`). */
  async *listPages(
    filter: DeadLetterFilter = {},
    options: CallOptions = {},
  ): AsyncGenerator<DeadLetterPage> {
    let offset: number | null = 0;
    while (offset !== null) {
      const page: DeadLetterPage = await this.http.get('/v1/dead-letter', options, {
        ...filter,
        offset,
      });
      yield page;
      offset = page.nextOffset;
    }
  }

  /** Every dead letter matching the filter, newest failure first, across pages. */
  async *list(
    filter: DeadLetterFilter = {},
    options: CallOptions = {},
  ): AsyncGenerator<DeadLetterView> {
    for await (const page of this.listPages(filter, options)) yield* page.deadLetters;
  }

  get(id: string, options: CallOptions = {}): Promise<DeadLetterView> {
    return this.http.get(`/v1/dead-letter/${encodeURIComponent(id)}`, options);
  }

  /**
   * Runs dead letters again, by `ids` or a `pool`'s oldest. Not retried after no answer or
   * a 5xx: a pool-wide redrive sent twice would take more entries.
   */
  redrive(request: DeadLetterRedrive, options: CallOptions = {}): Promise<DeadLetterRedriven> {
    return this.http.json({
      method: 'POST',
      path: '/v1/dead-letter/redrive',
      body: request,
      idempotent: false,
      signal: options.signal,
    });
  }
}
