import { DelayedError, RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { workflowRefOf } from './workflow-ref.js';
import { finalStepError } from './workflow-steps.js';

const job = (attemptsMade: number, attempts: number, data: unknown = {}) =>
  ({ attemptsMade, opts: { attempts }, data }) as unknown as Job;

describe(finalStepError.name, () => {
  it('leaves a failure with attempts left to the retries', () => {
    expect(finalStepError(job(0, 3), new Error('[TRANSIENT] try again'))).toBeUndefined();
  });

  it('reports the last attempt with its decoded error', () => {
    expect(finalStepError(job(2, 3), new Error('[TRANSIENT] still failing'))).toEqual({
      code: 'TRANSIENT',
      message: 'still failing',
    });
  });

  it('reports an unrecoverable failure at once', () => {
    expect(finalStepError(job(0, 5), new UnrecoverableError('[CANCELLED] task cancelled'))).toEqual(
      { code: 'CANCELLED', message: 'task cancelled' },
    );
  });

  it('never reports a hand-back or rate limit (back to the queue or delayed, no attempt used)', () => {
    expect(finalStepError(job(4, 5), new RateLimitError())).toBeUndefined();
    expect(finalStepError(job(4, 5), new DelayedError())).toBeUndefined();
  });
});

describe(workflowRefOf.name, () => {
  it('finds the step a task runs, and none in a plain task', () => {
    expect(workflowRefOf(job(0, 1, { workflow: { id: 'w', step: 's' } }))).toEqual({
      id: 'w',
      step: 's',
    });
    expect(workflowRefOf(job(0, 1, { agent: 'echo' }))).toBeUndefined();
  });
});
