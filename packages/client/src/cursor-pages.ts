import type { CallOptions } from './call-options.js';
import type { ApiRequest, HttpTransport } from './http-transport.js';

/** A page of a listing that continues with `?cursor=<nextCursor>`, null after the last. */
interface CursorPage {
  nextCursor: string | null;
}

/** Every page of the listing at `path`, one request each, following `nextCursor`. */
export async function* cursorPages<Page extends CursorPage>(
  http: HttpTransport,
  path: string,
  query: NonNullable<ApiRequest['query']>,
  options: CallOptions,
): AsyncGenerator<Page> {
  let cursor: string | undefined;
  do {
    const page = await http.get<Page>(path, options, { ...query, cursor });
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
