import { z } from 'zod';
import { AgentRegistry } from './registry.js';
import { builtinAgents } from './builtin/builtin-agents.js';
import { echoAgent } from './builtin/echo.agent.js';

describe(AgentRegistry.name, () => {
  it('knows the built-in agents', () => {
    expect(new AgentRegistry(builtinAgents).names()).toEqual([
      'echo',
      'http.request',
      'llm.chat',
      'sim',
    ]);
  });

  it('refuses to register a name twice', () => {
    expect(() => new AgentRegistry([echoAgent, echoAgent])).toThrow('registered twice');
  });

  it('reports an unknown agent', () => {
    expect(new AgentRegistry(builtinAgents).checkInput('nope', {})).toEqual({
      ok: false,
      reason: 'unknown-agent',
    });
  });

  it('reports the paths of an invalid input', () => {
    const check = new AgentRegistry(builtinAgents).checkInput('sim', { latencyMs: 'slow' });
    expect(check.ok).toBe(false);
    if (!check.ok && check.reason === 'invalid-input') {
      expect(check.issues.map((issue) => issue.path.join('.'))).toEqual(['latencyMs']);
    }
  });

  it('returns the input with the schema defaults applied', () => {
    const check = new AgentRegistry(builtinAgents).checkInput('sim', {});
    expect(check).toEqual({
      ok: true,
      input: { latencyMs: 0, failProbability: 0, cpuBurnMs: 0, steps: 0 },
    });
  });

  it('checks a result against the output schema of an agent that has one', () => {
    const registry = new AgentRegistry(builtinAgents);
    const typed = { ...echoAgent, name: 'typed', outputSchema: z.object({ n: z.number() }) };
    expect(registry.checkOutput(typed, { n: 1 })).toEqual({ ok: true, output: { n: 1 } });
    expect(registry.checkOutput(typed, { n: 'one' }).ok).toBe(false);
    expect(registry.checkOutput(echoAgent, 'anything')).toEqual({ ok: true, output: 'anything' });
  });
});
