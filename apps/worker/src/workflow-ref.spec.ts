import type { Job } from 'bullmq';
import { workflowRefOf } from './workflow-ref.js';

const job = (data: unknown) => ({ data }) as unknown as Job;

describe(workflowRefOf.name, () => {
  it('finds the step a task runs, and none in a plain task', () => {
    expect(workflowRefOf(job({ workflow: { id: 'w', step: 's' } }))).toEqual({
      id: 'w',
      step: 's',
    });
    expect(workflowRefOf(job({ agent: 'echo' }))).toBeUndefined();
  });
});
