import { useState, type FormEvent } from 'react';
import { describeError } from '../api/describe-error.js';

interface SignInPageProps {
  onSignIn: (apiKey: string) => Promise<void>;
  /** Why the user is here again (a 401, signing out). */
  message: string | undefined;
}

export function SignInPage({ onSignIn, message }: SignInPageProps) {
  const [apiKey, setApiKey] = useState('');
  const [failure, setFailure] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await onSignIn(apiKey.trim());
    } catch (error) {
      const { kind, title, detail } = describeError(error);
      setFailure(
        kind === 'forbidden'
          ? 'This key cannot read tasks: the console needs at least the tasks:read scope.'
          : `${title}: ${detail}`,
      );
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={(event) => void submit(event)}>
        <h1>agentq console</h1>
        <p className="muted">
          Sign in with an API key. It is kept in this tab only (session storage) and sent to this
          gateway&apos;s API, nowhere else.
        </p>
        {message && (
          <p className="notice" role="status">
            {message}
          </p>
        )}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
        />
        {failure && (
          <p className="form-error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || apiKey.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
