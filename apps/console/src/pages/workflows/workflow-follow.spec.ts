import { describe, expect, it } from '@jest/globals';
import type { WorkflowView } from '@agentq/contracts';
import { applyWorkflowEvent, needsDetails } from './workflow-follow.js';

const step = (id: string) => ({
  id,
  agent: 'echo',
  dependsOn: [],
  pool: 'default',
  input: null,
  state: 'pending' as const,
  taskId: null,
  attempts: 0,
  startedAt: null,
  finishedAt: null,
  output: null,
  error: null,
});
const view: WorkflowView = {
  id: 'w1',
  name: null,
  state: 'running',
  onFailure: 'fail-fast',
  createdAt: '2024-01-01T00:00:00Z',
  finishedAt: null,
  steps: [step('a'), step('b')],
};

describe('applyWorkflowEvent', () => {
  it('moves one step through its states with their times', () => {
    const running = applyWorkflowEvent(view, {
      event: 'step',
      id: '1-0',
      data: { step: 'a', state: 'running', at: '2024-01-01T00:00:01Z' },
    });
    const done = applyWorkflowEvent(running, {
      event: 'step',
      id: '2-0',
      data: { step: 'a', state: 'completed', at: '2024-01-01T00:00:02Z' },
    });
    expect(done.steps[0]).toMatchObject({
      state: 'completed',
      startedAt: '2024-01-01T00:00:01Z',
      finishedAt: '2024-01-01T00:00:02Z',
    });
    expect(done.steps[1]?.state).toBe('pending');
  });

  it('ends the workflow on its final event', () => {
    const ended = applyWorkflowEvent(view, {
      event: 'workflow',
      id: '3-0',
      data: { state: 'completed', at: '2024-01-01T00:00:03Z', final: true },
    });
    expect(ended).toMatchObject({ state: 'completed', finishedAt: '2024-01-01T00:00:03Z' });
  });
});

describe('needsDetails', () => {
  it('asks for the view when a step finished or the workflow ended', () => {
    const event = (state: 'running' | 'completed') =>
      ({ event: 'step', id: '1', data: { step: 'a', state, at: '' } }) as const;
    expect(needsDetails(event('running'))).toBe(false);
    expect(needsDetails(event('completed'))).toBe(true);
  });
});
