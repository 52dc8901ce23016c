import { useCallback, useEffect, useState } from 'react';
import { isUnauthorized, KEY_REFUSED } from '../../api/unauthorized.js';
import { useSession } from '../../session/session.js';
import { NOT_YET_FOLLOWED, applyTaskEvent, type FollowedTask } from './task-follow.js';

/**
 * Follows a task's event stream (fetch + an SSE parser, through the client: EventSource
 * cannot send the key) from its first log line to its final event; the client resumes a
 * dropped stream with Last-Event-ID. `refollow` starts over, after a retry.
 */
export function useFollowedTask(id: string): FollowedTask & {
  error: unknown;
  refollow: () => void;
} {
  const { client, signOut } = useSession();
  const [task, setTask] = useState<FollowedTask>(NOT_YET_FOLLOWED);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setTask(NOT_YET_FOLLOWED);
    setError(undefined);
    const follow = async () => {
      try {
        for await (const event of client.tasks.events(id, { signal: controller.signal })) {
          setTask((current) => applyTaskEvent(current, event));
        }
      } catch (failure) {
        if (controller.signal.aborted) return;
        if (isUnauthorized(failure)) signOut(KEY_REFUSED);
        else setError(failure);
      }
    };
    void follow();
    return () => controller.abort();
  }, [client, id, generation, signOut]);

  const refollow = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...task, error, refollow };
}
