/** Where the gateway serves the console. */
export const BASE_PATH = '/console';

/** The console's pages, as their URL names them. */
export type Route =
  | { page: 'overview' }
  | { page: 'tasks' }
  | { page: 'task'; id: string }
  | { page: 'workflows' }
  | { page: 'workflow'; id: string }
  | { page: 'dead-letters' }
  | { page: 'scaler' }
  | { page: 'providers' }
  | { page: 'tenants' }
  | { page: 'not-found' };

const WITH_ID: Record<string, 'task' | 'workflow'> = { tasks: 'task', workflows: 'workflow' };
const LISTS = new Set([
  'tasks',
  'workflows',
  'dead-letters',
  'scaler',
  'providers',
  'tenants',
] as const);

/** The page a location path (under {@link BASE_PATH}) stands for. */
export function matchRoute(pathname: string): Route {
  if (pathname !== BASE_PATH && !pathname.startsWith(`${BASE_PATH}/`)) return { page: 'not-found' };
  const parts = pathname
    .slice(BASE_PATH.length)
    .split('/')
    .filter((part) => part !== '');
  const [first, second, ...rest] = parts;
  if (first === undefined) return { page: 'overview' };
  if (rest.length > 0) return { page: 'not-found' };
  if (second !== undefined) {
    const page = WITH_ID[first];
    return page ? { page, id: safeDecode(second) } : { page: 'not-found' };
  }
  for (const page of LISTS) if (page === first) return { page };
  return { page: 'not-found' };
}

/** The path of a page; ids are encoded. */
export function pathOf(route: Route): string {
  switch (route.page) {
    case 'overview':
    case 'not-found':
      return `${BASE_PATH}/`;
    case 'task':
      return `${BASE_PATH}/tasks/${encodeURIComponent(route.id)}`;
    case 'workflow':
      return `${BASE_PATH}/workflows/${encodeURIComponent(route.id)}`;
    case 'tasks':
    case 'workflows':
    case 'dead-letters':
    case 'scaler':
    case 'providers':
    case 'tenants':
      return `${BASE_PATH}/${route.page}`;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
