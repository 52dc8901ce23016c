import { useCallback, useEffect, useState } from 'react';
import type { WorkflowView } from '@agentq/contracts';
import { isUnauthorized, KEY_REFUSED } from '../../api/unauthorized.js';
import { useSession } from '../../session/session.js';
import { applyWorkflowEvent, needsDetails } from './workflow-follow.js';

/**
 * The workflow as it is, then kept current from its event stream; the view is read again
 * when a step ends (for its output or error), and the stream ends with the workflow.
 */
export function useFollowedWorkflow(id: string): {
  view: WorkflowView | undefined;
  error: unknown;
  live: boolean;
  reload: () => void;
} {
  const { client, signOut } = useSession();
  const [view, setView] = useState<WorkflowView>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setError(undefined);
    const follow = async () => {
      try {
        setView(await client.workflows.get(id, { signal }));
        setLive(true);
        for await (const event of client.workflows.events(id, { signal })) {
          setView((current) => current && applyWorkflowEvent(current, event));
          if (needsDetails(event)) setView(await client.workflows.get(id, { signal }));
        }
      } catch (failure) {
        if (signal.aborted) return;
        if (isUnauthorized(failure)) signOut(KEY_REFUSED);
        else setError(failure);
      }
      if (!signal.aborted) setLive(false);
    };
    void follow();
    return () => controller.abort();
  }, [client, id, generation, signOut]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { view, error, live, reload };
}
