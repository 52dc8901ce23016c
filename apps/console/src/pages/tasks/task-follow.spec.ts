import { describe, expect, it } from '@jest/globals';
import type { TaskView } from '@agentq/contracts';
import { NOT_YET_FOLLOWED, applyTaskEvent, taskActions } from './task-follow.js';

const view = (state: TaskView['state']): TaskView =>
  ({ id: 't1', state, progress: null }) as unknown as TaskView;

describe('applyTaskEvent', () => {
  it('appends log lines, keeps the latest progress and ends on the final event', () => {
    let task = applyTaskEvent(NOT_YET_FOLLOWED, { event: 'log', id: '1', data: { line: 'a' } });
    task = applyTaskEvent(task, { event: 'state', id: '1', data: view('active') });
    task = applyTaskEvent(task, { event: 'progress', id: '1', data: { progress: 50 } });
    task = applyTaskEvent(task, { event: 'log', id: '2', data: { line: 'b' } });
    expect(task).toMatchObject({ logs: ['a', 'b'], progress: 50, ended: false });
    expect(task.view?.state).toBe('active');
    task = applyTaskEvent(task, { event: 'completed', id: '2', data: view('completed') });
    expect(task).toMatchObject({ ended: true, view: { state: 'completed' } });
  });
});

describe('taskActions', () => {
  it('offers cancel until the task ends and retry once it failed', () => {
    expect(taskActions(view('active'))).toEqual({ cancel: true, retry: false });
    expect(taskActions(view('failed'))).toEqual({ cancel: false, retry: true });
    expect(taskActions(view('completed'))).toEqual({ cancel: false, retry: false });
  });
});
