import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Loading } from './components/states.js';
import { Layout } from './layout.js';
import { DeadLettersPage } from './pages/dead-letters/dead-letters-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { OverviewPage } from './pages/overview/overview-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TaskListPage } from './pages/tasks/task-list-page.js';
import { TaskPage } from './pages/tasks/task-page.js';
import { WorkflowsPage } from './pages/workflows/workflows-page.js';
import { useRoute } from './routing/router.js';
import type { Route } from './routing/routes.js';
import { apiKeyStore } from './session/api-key-store.js';
import { SessionProvider, type Session } from './session/session.js';
import { signIn, type SignedIn } from './session/sign-in.js';

// The graph layout and the scaler's charts load with their pages only.
const WorkflowPage = lazy(() =>
  import('./pages/workflows/workflow-page.js').then((m) => ({ default: m.WorkflowPage })),
);
const ScalerPage = lazy(() =>
  import('./pages/scaler/scaler-page.js').then((m) => ({ default: m.ScalerPage })),
);
const ProvidersPage = lazy(() =>
  import('./pages/providers/providers-page.js').then((m) => ({ default: m.ProvidersPage })),
);
const TenantsPage = lazy(() =>
  import('./pages/tenants/tenants-page.js').then((m) => ({ default: m.TenantsPage })),
);

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'tasks':
      return <TaskListPage />;
    case 'task':
      return <TaskPage key={route.id} id={route.id} />;
    case 'workflows':
      return <WorkflowsPage />;
    case 'workflow':
      return <WorkflowPage key={route.id} id={route.id} />;
    case 'dead-letters':
      return <DeadLettersPage />;
    case 'scaler':
      return <ScalerPage />;
    case 'providers':
      return <ProvidersPage />;
    case 'tenants':
      return <TenantsPage />;
    case 'not-found':
      return <NotFoundPage />;
  }
}

/** Signs in (again, from the tab's stored key), then shows the page the address names. */
export function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [restoring, setRestoring] = useState(() => apiKeyStore.read() !== null);
  const [message, setMessage] = useState<string | undefined>();

  const signOut = useCallback((why?: string) => {
    apiKeyStore.clear();
    setSignedIn(null);
    setMessage(why);
  }, []);

  const start = useCallback(async (apiKey: string) => {
    const result = await signIn(apiKey);
    apiKeyStore.save(apiKey);
    setMessage(undefined);
    setSignedIn(result);
  }, []);

  useEffect(() => {
    const stored = apiKeyStore.read();
    if (stored === null) return;
    start(stored)
      .catch(() => signOut('Your stored API key no longer works. Sign in again.'))
      .finally(() => setRestoring(false));
  }, [start, signOut]);

  const session = useMemo<Session | null>(
    () => signedIn && { client: signedIn.client, isAdmin: signedIn.isAdmin, signOut },
    [signedIn, signOut],
  );

  if (restoring) return <Loading what="your session" />;
  if (session === null) return <SignInPage onSignIn={start} message={message} />;
  return (
    <SessionProvider session={session}>
      <Layout route={route}>
        <Suspense fallback={<Loading what="the page" />}>
          <Page route={route} />
        </Suspense>
      </Layout>
    </SessionProvider>
  );
}
