import { parseWorkflowFile } from './workflow-file.js';

describe(parseWorkflowFile.name, () => {
  it('reads YAML and JSON specs alike', () => {
    const yaml = 'steps:\n  - id: a\n    agent: echo\n    input: { $ref: steps.x.output }\n';
    expect(parseWorkflowFile(yaml, 'wf.yaml')).toEqual({
      steps: [{ id: 'a', agent: 'echo', input: { $ref: 'steps.x.output' } }],
    });
    expect(parseWorkflowFile('{"steps":[]}', 'wf.json')).toEqual({ steps: [] });
  });

  it('names the file of a spec it cannot read', () => {
    expect(() => parseWorkflowFile('{', 'wf.json')).toThrow(/^wf\.json: /);
    expect(() => parseWorkflowFile('name: x', 'wf.yaml')).toThrow(/list of steps/);
  });
});
