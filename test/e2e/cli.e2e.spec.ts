import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentqClient } from '@agentq/client';
import { AppProcess, ROOT } from '../helpers/app-process.js';
import { TEST_KEY } from '../helpers/api-keys.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { pollUntil, startGateway, startWorker } from '../helpers/system.js';

// `agentq` as a person uses it: in a real terminal under tmux (live progress, Ctrl-C), in a
// pipe (plain lines) and with --json, against the built gateway, worker and scaler.

const prefix = uniquePrefix('cli');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'main.js');
const TMUX = execFileSync('bash', [path.join(ROOT, 'scripts', 'tmux.sh')], {
  encoding: 'utf8',
}).trim();
/** A tmux server of this file's own, so no other session is touched. */
const TMUX_SOCKET = `agentq-cli-e2e-${randomUUID().slice(0, 8)}`;
const running: AppProcess[] = [];
let url: string;
let configHome: string;
let client: AgentqClient;

beforeAll(async () => {
  configHome = await mkdtemp(path.join(os.tmpdir(), 'agentq-cli-e2e-'));
  const scalerPort = await freePort();
  // No actuator: the scaler records pins and decisions; the test's own worker runs the tasks.
  const scalerEnv = {
    AGENTQ_PREFIX: prefix,
    AGENTQ_API_KEYS: TEST_KEY.line,
    AGENTQ_LOG_LEVEL: 'info',
  };
  const scaler = AppProcess.app('scaler', {
    ...scalerEnv,
    AGENTQ_SCALER_ACTUATOR: 'none',
    AGENTQ_SCALER_HTTP_PORT: String(scalerPort),
  });
  running.push(scaler);
  const [gateway, worker] = await Promise.all([
    startGateway({ AGENTQ_PREFIX: prefix, AGENTQ_SCALER_URL: `http://127.0.0.1:${scalerPort}` }),
    startWorker({ AGENTQ_PREFIX: prefix, AGENTQ_CONCURRENCY: '4' }),
    scaler.waitFor((line) => line.app === 'scaler' && line.msg === 'ready', 'scaler ready'),
  ]);
  running.push(gateway.app, worker);
  url = gateway.url;
  client = new AgentqClient({ baseUrl: url, apiKey: TEST_KEY.key });
});

afterAll(async () => {
  try {
    execFileSync(TMUX, ['-L', TMUX_SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // No session was left: nothing to end.
  }
  await Promise.all(running.map((app) => app.stop()));
  await rm(configHome, { recursive: true, force: true });
  await deletePrefix(prefix);
});

const cliEnv = () => ({
  AGENTQ_URL: url,
  AGENTQ_API_KEY: TEST_KEY.key,
  XDG_CONFIG_HOME: configHome,
});

/** Runs `agentq` with pipes (not a terminal); resolves with its exit code and output. */
function agentq(
  args: string[],
  { onStdout }: { onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...cliEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

function tmux(...args: string[]): string {
  return execFileSync(TMUX, ['-L', TMUX_SOCKET, ...args], { encoding: 'utf8' });
}

/** A tmux window of a fixed size running bash, with agentq's connection in its environment. */
function openTerminal(name: string): {
  type: (keys: string) => void;
  key: (key: string) => void;
  screen: () => string;
} {
  const env = Object.entries({ ...cliEnv(), PS1: '$ ' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '120',
    '-y',
    '40',
    ...env,
    'bash --norc --noprofile',
  );
  return {
    type: (keys) => tmux('send-keys', '-t', name, '-l', keys),
    key: (key) => tmux('send-keys', '-t', name, key),
    screen: () => tmux('capture-pane', '-p', '-t', name),
  };
}

/** Reads the screen until `check` holds (it sees every screen read); the last screen. */
async function screenUntil(
  screen: () => string,
  check: (text: string) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<string> {
  let last = '';
  await pollUntil(
    () => {
      last = screen();
      return check(last);
    },
    `${what}; the screen:\n${last}`,
    { timeoutMs, everyMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- screen ---\n${last}`);
  });
  return last;
}

describe('agentq in a terminal', () => {
  it('runs a task with a moving progress bar, then shows its result and exit code', async () => {
    const terminal = openTerminal('run');
    terminal.type(
      `node ${CLI} run sim --input '{"steps":10,"latencyMs":3000,"output":"from-tmux"}'; echo "EXIT=$?"`,
    );
    terminal.key('Enter');

    const percents = new Set<number>();
    const final = await screenUntil(
      terminal.screen,
      (text) => {
        for (const match of text.matchAll(/ (\d{1,3})% \| /g)) percents.add(Number(match[1]));
        return /EXIT=\d/.test(text);
      },
      'the run to end',
    );

    const between = [...percents].filter((percent) => percent > 0 && percent < 100);
    expect(between.length).toBeGreaterThanOrEqual(2);
    expect(percents.has(100)).toBe(true);
    expect(final).toContain('step 10 of 10');
    expect(final).toContain('✔ completed');
    expect(final).toContain('"output": "from-tmux"');
    expect(final).toContain('EXIT=0');
  });

  it('asks on Ctrl-C, and cancels the task when told to', async () => {
    const terminal = openTerminal('cancel');
    terminal.type(`node ${CLI} run sim --input '{"steps":50,"latencyMs":30000}'; echo "EXIT=$?"`);
    terminal.key('Enter');
    const running = await screenUntil(
      terminal.screen,
      (text) => text.includes('step 1 of 50'),
      'the task to log',
    );
    const id = /task (\S+) submitted/.exec(running)?.[1];
    expect(id).toBeDefined();

    terminal.key('C-c');
    await screenUntil(
      terminal.screen,
      (text) => text.includes(`Cancel task ${id}?`),
      'the question',
    );
    terminal.type('y');
    terminal.key('Enter');

    const final = await screenUntil(
      terminal.screen,
      (text) => /EXIT=\d/.test(text),
      'the run to end',
    );
    expect(final).toContain('■ cancelled');
    expect(final).toContain('EXIT=3');
    expect(await client.tasks.get(id!)).toMatchObject({ state: 'cancelled' });
  });
});

describe('agentq in a pipe', () => {
  it('prints plain lines, one per event, and exits by outcome', async () => {
    const ok = await agentq(['run', 'sim', '--input', '{"steps":3,"output":"piped"}']);
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('log: '))).toEqual([
      'log: step 1 of 3',
      'log: step 2 of 3',
      'log: step 3 of 3',
    ]);
    expect(lines.at(-1)).toMatch(/^result: \{.*"output":"piped"/);
    expect(ok.stdout).not.toContain('\u001b');

    const failed = await agentq([
      'run',
      'sim',
      '--attempts',
      '1',
      '--input',
      '{"failProbability":1}',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('error: TRANSIENT');

    const unknown = await agentq(['run', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('UNKNOWN_AGENT');
  });

  it('detaches on Ctrl-C outside a terminal, leaving the task running', async () => {
    let sent = false;
    const detached = await agentq(['run', 'sim', '--input', '{"steps":30,"latencyMs":15000}'], {
      onStdout: (text, child) => {
        if (!sent && text.includes('log: step 1')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(detached.code).toBe(5);
    const id = /task (\S+) submitted/.exec(detached.stderr)?.[1];
    expect((await client.tasks.get(id!)).state).toBe('active');
    await client.tasks.cancel(id!);
  });

  it('submits, reads, lists, follows logs and retries', async () => {
    const submitted = await agentq([
      'submit',
      'sim',
      '--input',
      '{"steps":2}',
      '--priority',
      'high',
    ]);
    const id = submitted.stdout.trim();
    const watched = await agentq(['watch', id]);
    expect(watched.code).toBe(0);
    expect((await agentq(['logs', id])).stdout).toBe('step 1 of 2\nstep 2 of 2\n');
    expect((await agentq(['get', id])).stdout).toMatch(/priority: +high/);
    expect((await agentq(['list', '--agent', 'sim', '--state', 'completed'])).stdout).toContain(id);

    const failing = await agentq([
      'submit',
      'sim',
      '--attempts',
      '1',
      '--input',
      '{"failProbability":1}',
    ]);
    const failedId = failing.stdout.trim();
    expect((await agentq(['watch', failedId])).code).toBe(1);
    expect((await agentq(['dlq', 'list'])).stdout).toContain(failedId);
    expect((await agentq(['retry', failedId])).stdout).toMatch(new RegExp(`^${failedId} `));
    expect((await agentq(['cancel', 'idem-never-was'])).code).toBe(4);
  });
});

describe('agentq --json', () => {
  it('prints JSON a script can parse, for every kind of command', async () => {
    const run = await agentq(['run', 'echo', '--input', '"hi"', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: 'completed', result: 'hi' });

    const batchFile = path.join(configHome, 'batch.jsonl');
    await writeFile(batchFile, '1\n2\n3\n');
    const batch = JSON.parse(
      (await agentq(['submit', 'echo', '--batch', batchFile, '--json'])).stdout,
    );
    expect(batch.tasks).toHaveLength(3);

    const workflowFile = path.join(configHome, 'wf.yaml');
    await writeFile(
      workflowFile,
      [
        'steps:',
        '  - { id: plan, agent: echo, input: { items: [a, b] } }',
        '  - { id: use, agent: echo, dependsOn: [plan], input: { $ref: steps.plan.output.items } }',
      ].join('\n'),
    );
    const workflow = await agentq(['workflow', 'run', workflowFile, '--json']);
    expect(workflow.code).toBe(0);
    expect(JSON.parse(workflow.stdout).steps).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'use', output: ['a', 'b'] })]),
    );

    const pools = JSON.parse((await agentq(['pools', '--json'])).stdout);
    expect(pools.pools).toEqual(
      expect.arrayContaining([expect.objectContaining({ pool: 'default', workers: 1 })]),
    );

    const missing = await agentq(['get', 'idem-never-was', '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('pins and unpins a pool through the scaler, and reads its status', async () => {
    const pin = await agentq(['scaler', 'pin', 'default', '2', '--ttl', '60', '--json']);
    expect(pin.code).toBe(0);
    expect(JSON.parse(pin.stdout)).toMatchObject({ pool: 'default', replicas: 2 });
    await pollUntil(async () => {
      const status = JSON.parse((await agentq(['scaler', 'status', '--json'])).stdout);
      return status.pools.default?.pinned === 2;
    }, 'the pin to show in the status');
    expect((await agentq(['scaler', 'unpin', 'default'])).stdout).toBe('default unpinned\n');
    expect((await agentq(['scaler', 'unpin', 'default'])).code).toBe(4);
  });

  it('makes an API key offline', async () => {
    const made = await agentq([
      'keys',
      'create',
      '--tenant',
      'cli-e2e',
      '--scopes',
      'tasks:read',
      '--json',
    ]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      key: expect.stringMatching(/^aq_/),
      entry: { tenant: 'cli-e2e' },
    });
  });
});
