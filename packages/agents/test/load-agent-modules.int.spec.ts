import { fileURLToPath } from 'node:url';
import { AgentModuleError, loadAgentModules } from '../src/plugins/load-agent-modules.js';

const fixtures = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));
const load = (...specifiers: string[]) => loadAgentModules(specifiers, fixtures);

describe(loadAgentModules.name, () => {
  it('loads the agents of each module, from an `agents` array or a default export', async () => {
    const agents = await load('./greet.mjs', './default-export.mjs');
    expect(agents.map((agent) => agent.name)).toEqual(['fixture.greet', 'fixture.shout']);
    expect(await agents[0]?.run({ name: 'Ada' }, undefined as never)).toBe('hello Ada');
  });

  it('names a module that throws while loading', async () => {
    const failure = load('./greet.mjs', './throws.mjs');
    await expect(failure).rejects.toBeInstanceOf(AgentModuleError);
    await expect(failure).rejects.toThrow(
      'agent module "./throws.mjs" failed to load: plugin exploded while loading',
    );
  });

  it("names a module that redefines a built-in agent, or another plugin's", async () => {
    await expect(load('./duplicate-echo.mjs')).rejects.toThrow(
      'agent module "./duplicate-echo.mjs": agent "echo" is already defined by a built-in agent',
    );
    await expect(load('./greet.mjs', './greet.mjs')).rejects.toThrow(
      'agent "fixture.greet" is already defined by agent module "./greet.mjs"',
    );
  });

  it('names a module whose export is not an agent', async () => {
    await expect(load('./no-run.mjs')).rejects.toThrow(
      'agent module "./no-run.mjs", agent #1: needs a zod inputSchema, needs a run function',
    );
    await expect(load('./nothing.mjs')).rejects.toThrow('exports neither "agents" nor a default');
  });

  it('names a module or package that cannot be found', async () => {
    await expect(load('./missing.mjs')).rejects.toThrow(
      'agent module "./missing.mjs" failed to load',
    );
    await expect(load('agentq-no-such-plugin')).rejects.toThrow(
      'agent module "agentq-no-such-plugin" failed to load',
    );
  });

  it('resolves a package name from the base directory', async () => {
    // zod is installed for this package; it loads, and is then refused as not an agent.
    await expect(
      loadAgentModules(['zod'], fileURLToPath(new URL('..', import.meta.url))),
    ).rejects.toThrow('agent module "zod", agent #1: needs a lower-case dotted name');
  });
});
