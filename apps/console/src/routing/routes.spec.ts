import { describe, expect, it } from '@jest/globals';
import { matchRoute, pathOf } from './routes.js';

describe('matchRoute', () => {
  it('reads every page of the console from its path', () => {
    expect(matchRoute('/console')).toEqual({ page: 'overview' });
    expect(matchRoute('/console/')).toEqual({ page: 'overview' });
    expect(matchRoute('/console/tasks')).toEqual({ page: 'tasks' });
    expect(matchRoute('/console/tasks/a%2Fb')).toEqual({ page: 'task', id: 'a/b' });
    expect(matchRoute('/console/workflows/w1')).toEqual({ page: 'workflow', id: 'w1' });
    expect(matchRoute('/console/scaler')).toEqual({ page: 'scaler' });
    expect(matchRoute('/console/providers')).toEqual({ page: 'providers' });
    expect(matchRoute('/console/tenants')).toEqual({ page: 'tenants' });
  });

  it('names anything else not found', () => {
    expect(matchRoute('/consoles')).toEqual({ page: 'not-found' });
    expect(matchRoute('/console/scaler/x')).toEqual({ page: 'not-found' });
    expect(matchRoute('/console/tasks/a/b')).toEqual({ page: 'not-found' });
  });
});

describe('pathOf', () => {
  it('is the inverse of matchRoute, ids encoded', () => {
    for (const route of [
      { page: 'task', id: 'wf-1-a b' },
      { page: 'dead-letters' },
      { page: 'workflow', id: 'x' },
    ] as const) {
      expect(matchRoute(pathOf(route))).toEqual(route);
    }
  });
});
