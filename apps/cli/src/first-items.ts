import { ApiLimits } from '@agentq/contracts';

/**
 * The first `limit` items of a listing, read in pages of `limit` items (the API's most at
 * most): the listing gets the page size, and is left once it gave enough.
 */
export async function firstItems<T>(
  limit: number,
  list: (pageSize: number) => AsyncIterable<T>,
): Promise<T[]> {
  const items: T[] = [];
  if (limit === 0) return items;
  for await (const item of list(Math.min(limit, ApiLimits.maxListLimit))) {
    items.push(item);
    if (items.length >= limit) break;
  }
  return items;
}
