import type { ReactNode } from 'react';
import { describeError } from '../api/describe-error.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

/** The page a key without the scope gets: the API answered 403. */
export function Forbidden({ detail }: { detail?: string }) {
  return (
    <section className="state state-forbidden" aria-labelledby="forbidden-title">
      <h2 id="forbidden-title">Not allowed with this key</h2>
      <p>
        This page needs a key with more scopes than the one you signed in with (an{' '}
        <code>admin</code> key for the operator pages). Sign out and sign in with another key, or
        ask whoever runs agentq for one.
      </p>
      {detail && <p className="muted">{detail}</p>}
    </section>
  );
}

/** A failed call, told by its kind: 403 as {@link Forbidden}, 503 as the API being down. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const described = describeError(error);
  if (described.kind === 'forbidden') return <Forbidden detail={described.detail} />;
  return (
    <div className={`state state-error state-${described.kind}`} role="alert">
      <p className="state-title">{described.title}</p>
      <p>{described.detail}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
