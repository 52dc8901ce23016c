import { WorkflowSpecSchema, findCycle, resolveRefs, type WorkflowSpecInput } from './workflow.js';

function issues(spec: WorkflowSpecInput): { path: string; message: string }[] {
  const result = WorkflowSpecSchema.safeParse(spec);
  return result.success
    ? []
    : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

const step = (id: string, dependsOn: string[] = [], input: unknown = {}) => ({
  id,
  agent: 'echo',
  dependsOn,
  input,
});

describe('WorkflowSpecSchema', () => {
  it('accepts a diamond with references to its dependencies', () => {
    const spec = {
      steps: [
        step('plan'),
        step('a', ['plan'], { tasks: { $ref: 'steps.plan.output.tasks' } }),
        step('b', ['plan']),
        step('merge', ['a', 'b'], {
          parts: [{ $ref: 'steps.a.output' }, { $ref: 'steps.b.output' }],
        }),
      ],
    };
    expect(issues(spec)).toEqual([]);
    expect(WorkflowSpecSchema.parse(spec).onFailure).toBe('fail-fast');
  });

  it('rejects duplicate step ids and unknown dependencies', () => {
    expect(issues({ steps: [step('a'), step('a'), step('c', ['nope'])] })).toEqual([
      { path: 'steps.1.id', message: 'duplicate step id "a"' },
      { path: 'steps.2.dependsOn.0', message: 'unknown step "nope"' },
    ]);
  });

  it('rejects a cycle and names it', () => {
    expect(
      issues({ steps: [step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d')] }),
    ).toEqual([{ path: 'steps', message: 'dependency cycle: a -> c -> b -> a' }]);
  });

  it('rejects a reference to a step that is not a dependency', () => {
    expect(
      issues({
        steps: [step('a'), step('b'), step('c', ['a'], { x: { $ref: 'steps.b.output' } })],
      }),
    ).toEqual([
      { path: 'steps.2.input.x', message: '$ref to step "b", which is not in dependsOn' },
    ]);
  });

  it('rejects a malformed reference', () => {
    expect(
      issues({ steps: [step('a'), step('b', ['a'], { x: { $ref: 'a.output' } })] })[0]?.path,
    ).toBe('steps.1.input.x');
  });

  it('rejects more than 1,000 steps', () => {
    const steps = Array.from({ length: 1001 }, (_, i) => step(`s${i}`));
    expect(issues({ steps }).map((issue) => issue.path)).toEqual(['steps']);
  });
});

describe(findCycle.name, () => {
  it('finds none in a DAG with shared ancestors', () => {
    expect(
      findCycle([step('a'), step('b', ['a']), step('c', ['a', 'b'])].map((s) => ({ ...s }))),
    ).toBeUndefined();
  });

  it('finds a self-dependency', () => {
    expect(findCycle([{ id: 'a', dependsOn: ['a'] }])).toEqual(['a', 'a']);
  });
});

describe(resolveRefs.name, () => {
  it('replaces references by the outputs they name, deep inside the input', () => {
    const outputs = new Map<string, unknown>([['plan', { tasks: [1, 2], meta: { n: 2 } }]]);
    expect(
      resolveRefs(
        {
          all: { $ref: 'steps.plan.output' },
          list: [{ $ref: 'steps.plan.output.meta.n' }],
          keep: 'x',
        },
        outputs,
      ),
    ).toEqual({ all: { tasks: [1, 2], meta: { n: 2 } }, list: [2], keep: 'x' });
  });

  it('gives null where the path leads nowhere', () => {
    expect(
      resolveRefs({ $ref: 'steps.plan.output.missing.deeper' }, new Map([['plan', {}]])),
    ).toBeNull();
  });
});
