/** Where a Redis stream starts and ends, as XINFO STREAM reports it. */
export interface StreamEnds {
  /** The oldest entry still in the stream; undefined once it is empty. */
  firstId: string | undefined;
  /** The newest entry ever added, trimmed since or not. */
  lastGeneratedId: string;
  /** Whether any entry ever left the stream (true when Redis, before 7.0, cannot tell). */
  lostEntries: boolean;
}

/** Orders two stream entry ids (`<ms>-<seq>`): negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = idParts(a);
  const [bMs, bSeq] = idParts(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/** The newer of two stream entry ids. */
export function laterStreamId(a: string, b: string): string {
  return compareStreamIds(a, b) >= 0 ? a : b;
}

/**
 * Whether entries newer than `readThrough` may have been trimmed before they were read: the
 * oldest entry left is newer than it (or, in a stream trimmed empty, the last one added is).
 * It errs the safe way only, when just `readThrough` itself went; a stream that never lost
 * an entry (one read from its start, 0-0, say) is never taken for trimmed.
 */
export function mayHaveMissed(readThrough: string, ends: StreamEnds): boolean {
  return (
    ends.lostEntries && compareStreamIds(ends.firstId ?? ends.lastGeneratedId, readThrough) > 0
  );
}

/** The ends of a stream from XINFO STREAM's answer (field, value, field, value...). */
export function parseStreamEnds(reply: unknown): StreamEnds {
  const fields = new Map<unknown, unknown>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(reply[i], reply[i + 1]);
  }
  const first = fields.get('first-entry');
  const lastGeneratedId = fields.get('last-generated-id');
  if (typeof lastGeneratedId !== 'string') {
    throw new Error('XINFO STREAM answered without a last-generated-id');
  }
  const firstId: unknown = Array.isArray(first) ? first[0] : undefined;
  const added = fields.get('entries-added');
  const length = fields.get('length');
  return {
    firstId: typeof firstId === 'string' ? firstId : undefined,
    lastGeneratedId,
    lostEntries: typeof added !== 'number' || typeof length !== 'number' || added > length,
  };
}

function idParts(id: string): [bigint, bigint] {
  const [ms = '0', seq = '0'] = id.split('-');
  return [BigInt(ms), BigInt(seq)];
}
