import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';
import { matchRoute, pathOf, type Route } from './routes.js';

/**
 * A router of a dozen lines over the History API: the console has a handful of pages, and a
 * routing library would weigh more than all of them.
 */
const NAVIGATED = 'agentq:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

const currentPath = () => window.location.pathname;

/** The page the address bar shows, re-rendered on every navigation. */
export function useRoute(): Route {
  return matchRoute(useSyncExternalStore(subscribe, currentPath));
}

export function navigate(route: Route): void {
  window.history.pushState(null, '', pathOf(route));
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

interface LinkProps {
  to: Route;
  children: ReactNode;
  className?: string;
  current?: boolean;
}

/** A real link (new tab, copy address all work) that navigates in place on a plain click. */
export function Link({ to, children, className, current }: LinkProps) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(to);
  };
  return (
    <a
      href={pathOf(to)}
      className={className}
      aria-current={current ? 'page' : undefined}
      onClick={onClick}
    >
      {children}
    </a>
  );
}
