import { useCallback, useState } from 'react';
import { describeError } from '../api/describe-error.js';
import { isUnauthorized, KEY_REFUSED } from '../api/unauthorized.js';
import { useSession } from '../session/session.js';

export interface Action {
  run: (work: () => Promise<string>) => void;
  busy: boolean;
  /** What the last action did, or why it failed. */
  outcome: { ok: boolean; text: string } | undefined;
}

/** A button's call to the API: busy while it runs, then its outcome in words. */
export function useAction(): Action {
  const { signOut } = useSession();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Action['outcome']>();
  const run = useCallback(
    (work: () => Promise<string>) => {
      setBusy(true);
      setOutcome(undefined);
      work()
        .then((text) => setOutcome({ ok: true, text }))
        .catch((error: unknown) => {
          if (isUnauthorized(error)) return signOut(KEY_REFUSED);
          const { title, detail } = describeError(error);
          setOutcome({ ok: false, text: `${title}: ${detail}` });
        })
        .finally(() => setBusy(false));
    },
    [signOut],
  );
  return { run, busy, outcome };
}

export function ActionOutcome({ outcome }: { outcome: Action['outcome'] }) {
  if (outcome === undefined) return null;
  return (
    <p className={outcome.ok ? 'notice' : 'form-error'} role={outcome.ok ? 'status' : 'alert'}>
      {outcome.text}
    </p>
  );
}
