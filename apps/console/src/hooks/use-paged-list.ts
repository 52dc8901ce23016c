import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session/session.js';
import { KEY_REFUSED, isUnauthorized } from '../api/unauthorized.js';

export interface PagedList<T> {
  items: T[];
  /** Whether another page may follow. */
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  loadMore: () => void;
  reload: () => void;
}

/**
 * A listing read page by page from one of the client's page iterators: the first page at
 * once, the next on `loadMore`. `key` names the query (filters): a new key starts over.
 */
export function usePagedList<P, T>(
  key: string,
  open: (signal: AbortSignal) => AsyncGenerator<P>,
  unpack: (page: P) => { items: T[]; more: boolean },
): PagedList<T> {
  const { signOut } = useSession();
  const openRef = useRef(open);
  const unpackRef = useRef(unpack);
  const pages = useRef<AsyncGenerator<P> | null>(null);
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<Omit<PagedList<T>, 'loadMore' | 'reload'>>({
    items: [],
    hasMore: false,
    loading: true,
    error: undefined,
  });

  useEffect(() => {
    openRef.current = open;
    unpackRef.current = unpack;
  });

  const readPage = useCallback(
    async (iterator: AsyncGenerator<P>, signal: AbortSignal) => {
      setState((s) => ({ ...s, loading: true, error: undefined }));
      try {
        const next = await iterator.next();
        if (signal.aborted) return;
        const page = next.done ? { items: [], more: false } : unpackRef.current(next.value);
        setState((s) => ({
          items: [...s.items, ...page.items],
          hasMore: page.more,
          loading: false,
          error: undefined,
        }));
      } catch (error) {
        if (signal.aborted) return;
        if (isUnauthorized(error)) signOut(KEY_REFUSED);
        else setState((s) => ({ ...s, loading: false, error }));
      }
    },
    [signOut],
  );

  const controller = useRef<AbortController | null>(null);
  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    setState({ items: [], hasMore: false, loading: true, error: undefined });
    pages.current = openRef.current(current.signal);
    void readPage(pages.current, current.signal);
    return () => current.abort();
  }, [key, generation, readPage]);

  const loadMore = useCallback(() => {
    if (pages.current && controller.current) {
      void readPage(pages.current, controller.current.signal);
    }
  }, [readPage]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, loadMore, reload };
}
