import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session/session.js';
import { KEY_REFUSED, isUnauthorized } from '../api/unauthorized.js';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now (after an action changed what it shows). */
  reload: () => void;
}

/**
 * Loads what `load` answers for `key`, again every `refreshMs` when given, and keeps the
 * last good answer on screen while a refresh fails. A 401 signs the user out: their key
 * stopped working. `key` names the request: a new key loads anew.
 */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  refreshMs?: number,
): Resource<T> {
  const { signOut } = useSession();
  const loadRef = useRef(load);
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown }>({ key });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (!controller.signal.aborted) setState({ key, data });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (isUnauthorized(error)) {
          signOut(KEY_REFUSED);
          return;
        }
        setState((previous) => ({ ...previous, key, error }));
      }
      if (refreshMs !== undefined && !controller.signal.aborted) {
        timer = setTimeout(() => void run(), refreshMs);
      }
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [key, refreshMs, generation, signOut]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.data === undefined && state.error === undefined),
    reload,
  };
}
