import path from 'node:path';
import { format } from 'prettier';
import { ROOT } from '../helpers/app-process.js';

/*
 * docs/configuration.md, rendered from the apps' own config: each app's `envShape` (the zod
 * schema of every variable it reads, whose defaults the table shows) and `envDocs` (what
 * each means, typed to cover every variable). Built output, so `pnpm build` first.
 */

type App = 'gateway' | 'worker' | 'scaler';
const APPS: readonly App[] = ['gateway', 'worker', 'scaler'];

interface AppEnv {
  envShape: Record<string, ZodType>;
  envDocs: Record<string, string>;
}
type Shape = Record<string, unknown>;
/** What the table needs of a variable's zod schema. */
interface ZodType {
  safeParse(value: unknown): { success: boolean; data?: unknown };
}

async function load<T>(file: string): Promise<T> {
  return (await import(path.join(ROOT, file))) as T;
}

/** A default as it reads in the environment: lists comma-separated, absolute paths as in the repo. */
function formatDefault(schema: ZodType): string {
  const parsed = schema.safeParse(undefined);
  if (!parsed.success) return '—';
  const value: unknown = parsed.data;
  if (value === undefined || value === '') return '—';
  if (value instanceof Set || Array.isArray(value)) {
    const items = [...(value as Iterable<unknown>)].map(String);
    return items.length === 0 ? '—' : `\`${items.join(',')}\``;
  }
  if (typeof value === 'string' && path.isAbsolute(value)) {
    return `\`${path.relative(ROOT, value)}\``;
  }
  const scalar =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  return `\`${scalar ? String(value) : JSON.stringify(value)}\``;
}

function table(
  keys: readonly string[],
  envs: Record<App, AppEnv>,
  withUsers: boolean,
  docsOf: (key: string) => string,
): string {
  const users = (key: string) => APPS.filter((app) => key in envs[app].envShape);
  const header = withUsers
    ? '| variable | default | used by | meaning |\n| --- | --- | --- | --- |'
    : '| variable | default | meaning |\n| --- | --- | --- |';
  const rows = keys.map((key) => {
    const schema = envs[users(key)[0] ?? 'gateway'].envShape[key];
    if (!schema) throw new Error(`${key} is in no app's envShape`);
    const cells = [`\`${key}\``, formatDefault(schema)];
    if (withUsers) cells.push(users(key).join(', '));
    cells.push(docsOf(key).replace(/\|/g, '\\|'));
    return `| ${cells.join(' | ')} |`;
  });
  return `${header}\n${rows.join('\n')}`;
}

/** The document, formatted as the repository's prettier formats it. */
export async function renderConfigurationDoc(): Promise<string> {
  // One at a time: jest's module loader links concurrent imports of shared modules badly.
  const envs = {} as Record<App, AppEnv>;
  for (const app of APPS) envs[app] = await load<AppEnv>(`apps/${app}/dist/config.js`);
  const queue = await load<Record<string, Shape>>('packages/queue/dist/index.js');
  const agents = await load<Record<string, Shape>>('packages/agents/dist/index.js');
  const keysOf = (...shapes: (Shape | undefined)[]) => [
    ...new Set(shapes.flatMap((shape) => Object.keys(shape ?? {}))),
  ];
  const shared = keysOf(queue.sharedEnvShape);
  const access = keysOf(queue.apiKeysEnvShape, queue.tenantsEnvShape);
  const agentKeys = keysOf(agents.agentModulesEnvShape, agents.llmEnvShape, agents.httpEnvShape);
  const grouped = new Set([...shared, ...access, ...agentKeys]);
  const anyDocs = (key: string) =>
    APPS.map((app) => envs[app].envDocs[key]).find((doc) => doc !== undefined) ?? '';

  const sections = [
    `# Configuration

Each app reads its environment once at start; a bad value stops it with a message naming the
variable. \`.env.example\` lists them all. This page is generated from the apps' config
schemas (\`envShape\`, \`envDocs\` in each \`src/config.ts\`): \`pnpm docs:config\` rewrites it,
and a test fails when it is out of date.

## Every app

${table(shared, envs, false, anyDocs)}`,
    ...APPS.map((app) => {
      const own = Object.keys(envs[app].envShape).filter((key) => !grouped.has(key));
      const title = app[0]?.toUpperCase() + app.slice(1);
      return `## ${title}\n\n${table(own, envs, false, (key) => envs[app].envDocs[key] ?? '')}`;
    }),
    `## API keys and tenants

${table(access, envs, true, anyDocs)}`,
    `## Agents, LLM and outbound HTTP

Plugins: a module exporting \`agents\` (or a default export) is loaded by gateway and worker
from \`AGENTQ_AGENT_MODULES\` (comma-separated paths or package names); a bad plugin stops
the process at start with an error naming it.
[examples/agentq-plugin-example](../examples/agentq-plugin-example) is a complete plugin with
its own test. How the LLM settings combine: [llm.md](llm.md).

${table(agentKeys, envs, true, anyDocs)}`,
  ];
  return format(`${sections.join('\n\n')}\n`, {
    parser: 'markdown',
    filepath: path.join(ROOT, 'docs/configuration.md'),
  });
}
