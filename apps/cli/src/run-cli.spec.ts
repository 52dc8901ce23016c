import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliDeps } from './cli-context.js';
import { runCli } from './run-cli.js';

interface Recorded {
  method: string;
  url: string;
  body: unknown;
  authorization: string | undefined;
}

/** A gateway stand-in on loopback: records each request and answers what `answer` says. */
async function startGateway(answer: (request: Recorded) => [number, unknown]) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        body: text === '' ? undefined : JSON.parse(text),
        authorization: req.headers.authorization,
      };
      requests.push(request);
      const [status, body] = answer(request);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const TASK = {
  id: 't-1',
  state: 'completed',
  agent: 'echo',
  pool: 'default',
  priority: 'normal',
  progress: 100,
  result: { ok: true },
  error: null,
  attemptsMade: 1,
  runs: 1,
  worker: 'w',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
};

let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
let configDir: string;

beforeEach(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'agentq-cli-'));
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await rm(configDir, { recursive: true, force: true });
});

/** Runs one command line with pipes (not a terminal); answers its exit code and output. */
async function agentq(...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const deps: CliDeps = {
    io: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    },
    env: {
      url: gateway?.url,
      apiKey: 'aq_test',
      profile: undefined,
      configFile: path.join(configDir, 'agentq', 'config.yaml'),
      noColor: false,
    },
    onInterrupt: () => () => undefined,
  };
  const code = await runCli(argv, deps);
  return { code, out, err };
}

describe(runCli.name, () => {
  it('maps submit flags to the spec it sends, and prints the id', async () => {
    gateway = await startGateway(() => [201, { id: 't-1', state: 'waiting' }]);

    const { code, out } = await agentq(
      'submit',
      'sim',
      '--input',
      '{"steps":2}',
      '--pool',
      'gpu',
      '--priority',
      'high',
      '--delay',
      '500',
      '--attempts',
      '3',
      '--timeout',
      '9000',
    );

    expect(code).toBe(0);
    expect(out).toBe('t-1\n');
    expect(gateway.requests[0]).toEqual({
      method: 'POST',
      url: '/v1/tasks',
      authorization: 'Bearer aq_test',
      body: {
        agent: 'sim',
        input: { steps: 2 },
        pool: 'gpu',
        priority: 'high',
        delayMs: 500,
        attempts: 3,
        timeoutMs: 9000,
      },
    });
  });

  it('lists workflows with their state filter, as a table or JSON', async () => {
    const workflow = {
      id: 'wf-1',
      name: 'nightly',
      state: 'running',
      createdAt: '2026-01-01T00:00:00.000Z',
      finishedAt: null,
      steps: { total: 4, completed: 3, failed: 0, unfinished: 1 },
    };
    gateway = await startGateway(() => [200, { workflows: [workflow], nextCursor: null }]);

    const { code, out } = await agentq('workflow', 'list', '--state', 'running', '--limit', '5');

    expect(code).toBe(0);
    expect(gateway.requests.map((request) => request.url)).toEqual([
      '/v1/workflows?state=running&limit=5',
    ]);
    const [head, row] = out.trimEnd().split('\n');
    expect(head).toMatch(/^id +name +state +steps done +failed +created +took$/);
    expect(row).toMatch(/^wf-1 +nightly +running +3\/4 +0 +2026-01-01T00:00:00.000Z +\S+$/);

    const json = await agentq('--json', 'workflow', 'list');
    expect(JSON.parse(json.out)).toEqual([workflow]);
    expect(gateway.requests[1]?.url).toBe('/v1/workflows?limit=20');
  });

  it('passes list filters as the query and prints a plain table', async () => {
    gateway = await startGateway(() => [200, { tasks: [TASK], nextCursor: null }]);

    const { code, out } = await agentq(
      'list',
      '--state',
      'completed',
      '--agent',
      'echo',
      '--priority',
      'high',
      '--limit',
      '5',
    );

    expect(code).toBe(0);
    expect(gateway.requests.map((request) => request.url)).toEqual([
      '/v1/tasks?state=completed&agent=echo&priority=high&limit=5',
    ]);
    const [head, row] = out.trimEnd().split('\n');
    expect(head?.split(/ {2,}/)).toEqual([
      'id',
      'agent',
      'state',
      'pool',
      'priority',
      'created',
      'took',
    ]);
    expect(row).toMatch(/^t-1 +echo +completed +default +normal +2026-01-01T00:00:00.000Z +1.0s$/);
    // Not a terminal: no colours, no box drawing.
    expect(out).not.toContain(String.fromCharCode(27));
    expect(out).not.toMatch(/[│─]/);
  });

  it('prints the API answer as JSON with --json', async () => {
    gateway = await startGateway(() => [200, TASK]);

    const { code, out } = await agentq('get', 't-1', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(TASK);
  });

  it('exits 2 for bad input (its own or refused by the API) and 4 for other API errors', async () => {
    gateway = await startGateway(({ url }) =>
      url.startsWith('/v1/tasks/gone')
        ? [404, { error: { code: 'NOT_FOUND', message: 'task gone not found' } }]
        : [422, { error: { code: 'UNKNOWN_AGENT', message: 'unknown agent "nope"' } }],
    );

    expect(await agentq('submit', 'echo', '--input', '{nope')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--input is not JSON/),
    });
    expect(await agentq('submit', 'echo', '--priority', 'urgent')).toMatchObject({ code: 2 });
    expect(await agentq('submit', 'nope')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/UNKNOWN_AGENT \(HTTP 422\)/),
    });
    const missing = await agentq('get', 'gone', '--json');
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.err)).toEqual({
      error: { code: 'NOT_FOUND', message: 'task gone not found' },
    });
  });

  it('pins and unpins through the scaler routes', async () => {
    gateway = await startGateway(({ method }) => [
      200,
      { pool: 'gpu', ...(method === 'PUT' ? { replicas: 2, ttlSeconds: 60 } : { pinned: false }) },
    ]);

    expect((await agentq('scaler', 'pin', 'gpu', '2', '--ttl', '60')).out).toBe(
      'gpu pinned to 2 for 60s\n',
    );
    expect((await agentq('scaler', 'unpin', 'gpu')).out).toBe('gpu unpinned\n');
    expect(gateway.requests.map(({ method, url, body }) => [method, url, body])).toEqual([
      ['PUT', '/v1/scaler/pins/gpu', { replicas: 2, ttlSeconds: 60 }],
      ['DELETE', '/v1/scaler/pins/gpu', undefined],
    ]);
  });

  it('keeps profiles in the config file and uses the current one', async () => {
    gateway = await startGateway(() => [200, TASK]);

    await agentq('config', 'set', 'url', gateway.url, '--profile', 'dev');
    await agentq('config', 'set', 'api-key', 'aq_from_profile_123', '--profile', 'dev');
    await agentq('--profile', 'dev', 'get', 't-1');

    expect(gateway.requests[0]?.authorization).toBe('Bearer aq_from_profile_123');
    const text = await readFile(path.join(configDir, 'agentq', 'config.yaml'), 'utf8');
    expect(text).toContain('current: dev');
    const listed = await agentq('config', 'list', '--json');
    expect(JSON.parse(listed.out).profiles.dev).toEqual({
      url: gateway.url,
      apiKey: 'aq_fro..._123',
    });
  });

  it('makes an API key offline', async () => {
    const { code, out } = await agentq(
      'keys',
      'create',
      '--tenant',
      'acme',
      '--scopes',
      'tasks:read',
      '--json',
    );

    expect(code).toBe(0);
    const created = JSON.parse(out);
    expect(created.key).toMatch(/^aq_/);
    expect(created.entry).toMatchObject({ tenant: 'acme', scopes: ['tasks:read'] });
  });
});
