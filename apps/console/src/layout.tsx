import type { ReactNode } from 'react';
import { Link } from './routing/router.js';
import type { Route } from './routing/routes.js';
import { useSession } from './session/session.js';

interface NavItem {
  to: Route;
  label: string;
  /** Pages a route of this item counts as (a task's page is under Tasks). */
  pages: Route['page'][];
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: { page: 'overview' }, label: 'Overview', pages: ['overview'] },
  { to: { page: 'tasks' }, label: 'Tasks', pages: ['tasks', 'task'] },
  { to: { page: 'workflows' }, label: 'Workflows', pages: ['workflows', 'workflow'] },
  { to: { page: 'dead-letters' }, label: 'Dead letters', pages: ['dead-letters'] },
  { to: { page: 'providers' }, label: 'Providers', pages: ['providers'] },
  { to: { page: 'scaler' }, label: 'Scaler', pages: ['scaler'], adminOnly: true },
  { to: { page: 'tenants' }, label: 'Tenants', pages: ['tenants'], adminOnly: true },
];

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const { isAdmin, signOut } = useSession();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">agentq</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => isAdmin || !item.adminOnly).map((item) => (
              <li key={item.label}>
                <Link to={item.to} current={item.pages.includes(route.page)}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="link-button" onClick={() => signOut('Signed out.')}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
