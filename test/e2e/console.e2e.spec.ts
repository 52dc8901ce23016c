import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { RateLimiter, TenantUsage } from '@agentq/agents';
import { createRedis } from '@agentq/queue';
import { launchChromium } from '../helpers/browser.js';
import { AppProcess, ROOT } from '../helpers/app-process.js';
import { TEST_KEY, gatewayKeyEnv, makeApiKey } from '../helpers/api-keys.js';
import { REDIS_URL } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { startGateway, startWorker } from '../helpers/system.js';

// The web console in headless Chromium against a real gateway, worker, scaler and Redis:
// everything it shows comes through the public API with the key signed in. Each page's
// screenshot is saved into docs/console/.

const prefix = uniquePrefix('console');
const reader = makeApiKey('default', ['tasks:read']);
const SHOTS = path.join(ROOT, 'docs', 'console');
const running: AppProcess[] = [];
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  const scalerPort = await freePort();
  const scaler = AppProcess.app('scaler', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_LOG_LEVEL: 'info',
    AGENTQ_API_KEYS: TEST_KEY.line,
    AGENTQ_SCALER_HTTP_PORT: String(scalerPort),
    // The test runs its own worker; the scaler decides and records, and acts on nothing.
    AGENTQ_SCALER_ACTUATOR: 'none',
    AGENTQ_SCALER_INTERVAL_MS: '500',
    AGENTQ_SCALER_MIN_REPLICAS: '1',
    AGENTQ_SCALER_MAX_REPLICAS: '3',
  });
  running.push(scaler);
  const [gateway, worker] = await Promise.all([
    startGateway({
      AGENTQ_PREFIX: prefix,
      ...gatewayKeyEnv([TEST_KEY, reader]),
      AGENTQ_SCALER_URL: `http://127.0.0.1:${scalerPort}`,
    }),
    startWorker({ AGENTQ_PREFIX: prefix, AGENTQ_CONCURRENCY: '8' }),
    scaler.waitFor((line) => line.app === 'scaler' && line.msg === 'ready', 'scaler ready'),
    launchChromium().then((launched) => (browser = launched)),
  ]);
  running.push(gateway.app, worker);
  base = gateway.url;
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(running.splice(0).map((app) => app.stop()));
  await deletePrefix(prefix);
});

async function submitTask(spec: Record<string, unknown>): Promise<string> {
  const answer = await http('POST', `${base}/v1/tasks`, spec);
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

async function signIn(target: Page, key: string): Promise<void> {
  await target.goto(`${base}/console/`);
  await target.getByLabel('API key').fill(key);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** A link of the main navigation (pages link to each other too). */
const nav = (target: Page, name: string) =>
  target.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

const shot = (target: Page, name: string) =>
  target.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

describe('the web console', () => {
  it('signs in with a key and shows the pools and the last hour', async () => {
    const csp: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) csp.push(message.text());
    });
    await signIn(page, TEST_KEY.key);
    await page.getByRole('row', { name: /^default/ }).waitFor();
    await page.getByText('Throughput (tasks per minute)').waitFor();
    // An admin sees each pool's oldest wait against the scaler's objective (30 s by default).
    await page.getByRole('columnheader', { name: 'Oldest wait / objective' }).waitFor();
    await page.getByRole('row', { name: /^default.* \/ 30 s$/ }).waitFor();
    await expect(nav(page, 'Scaler').count()).resolves.toBe(1);
    expect(csp).toEqual([]);
    await shot(page, 'overview');
  });

  it('follows a task live until it completes, log lines included', async () => {
    const id = await submitTask({ agent: 'sim', input: { latencyMs: 1500, steps: 3 } });
    await nav(page, 'Tasks').click();
    await page.getByRole('link', { name: id }).click();
    await page.getByText('step 1 of 3').waitFor();
    await page.locator('.badge', { hasText: 'completed' }).waitFor();
    await page.getByText('step 3 of 3').waitFor();
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    await shot(page, 'task');
    await nav(page, 'Tasks').click();
    await page.getByRole('link', { name: id }).waitFor();
    await shot(page, 'tasks');
  });

  it('lists workflows, opens one, and draws it and its steps finishing', async () => {
    const long = await http('POST', `${base}/v1/workflows`, {
      name: 'long-run',
      steps: [{ id: 'wait', agent: 'sim', input: { latencyMs: 60_000 } }],
    });
    expect(long.status).toBe(201);
    const longId = long.body.id as string;
    expect((await http('POST', `${base}/v1/workflows/${longId}/cancel`)).status).toBe(202);
    const answer = await http('POST', `${base}/v1/workflows`, {
      name: 'plan-and-merge',
      steps: [
        { id: 'plan', agent: 'sim', input: { latencyMs: 300, output: { parts: 2 } } },
        { id: 'left', agent: 'sim', dependsOn: ['plan'], input: { latencyMs: 300 } },
        { id: 'right', agent: 'echo', dependsOn: ['plan'], input: { side: 'right' } },
        { id: 'merge', agent: 'echo', dependsOn: ['left', 'right'], input: {} },
      ],
    });
    expect(answer.status).toBe(201);
    const id = answer.body.id as string;
    await nav(page, 'Workflows').click();
    // Newest first, each row linking to its graph.
    await page.getByRole('row', { name: new RegExp(`^${id} plan-and-merge`) }).waitFor();
    await page.getByRole('row', { name: new RegExp(`^${longId} long-run cancelled`) }).waitFor();
    await expect(page.getByRole('row').nth(1).textContent()).resolves.toContain(id);
    await page.getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: `plan-and-merge (${id})` }).waitFor();
    for (const step of ['plan', 'left', 'right', 'merge']) {
      await page.locator(`[data-step="${step}"][data-state="completed"]`).waitFor();
    }
    // One edge per dependency: plan→left, plan→right, left→merge, right→merge.
    await expect(page.locator('.graph-edge').count()).resolves.toBe(4);
    await page.locator('[data-step="plan"]').click();
    await page.getByRole('heading', { name: /Step plan/ }).waitFor();
    // Its input as submitted, and its output (the sim agent adds the attempt).
    await page.getByText('"attempt": 1').waitFor();
    await expect(page.locator('pre.json', { hasText: '"parts": 2' }).count()).resolves.toBe(2);
    await shot(page, 'workflow');

    await nav(page, 'Workflows').click();
    await page.getByRole('row', { name: new RegExp(`^${id} plan-and-merge completed`) }).waitFor();
    await page.getByLabel('State').selectOption('cancelled');
    await page.getByRole('row', { name: /^[^ ]+ plan-and-merge/ }).waitFor({ state: 'detached' });
    await page.getByRole('row', { name: new RegExp(`^${longId} long-run cancelled`) }).waitFor();
    await page.getByLabel('State').selectOption('');
    await page.getByRole('row', { name: new RegExp(`^${id} plan-and-merge completed`) }).waitFor();
    await shot(page, 'workflows');
  });

  it('cancels a running task', async () => {
    const id = await submitTask({ agent: 'sim', input: { latencyMs: 60_000, steps: 60 } });
    await page.goto(`${base}/console/tasks/${id}`);
    await page.locator('.badge', { hasText: 'active' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.badge', { hasText: 'cancelled' }).waitFor();
  });

  it('re-drives a dead letter', async () => {
    const id = await submitTask({ agent: 'sim', input: { failProbability: 1 }, attempts: 1 });
    expect((await http('GET', `${base}/v1/tasks/${id}?wait=30`)).body.state).toBe('failed');
    await nav(page, 'Dead letters').click();
    await page.getByLabel(id).check();
    await shot(page, 'dead-letters');
    await page.getByRole('button', { name: /Re-drive selected/ }).click();
    await page.getByText(/^1 re-driven/).waitFor();
  });

  it('pins the scaler after a confirmation and shows the pin', async () => {
    await nav(page, 'Scaler').click();
    await page.getByRole('button', { name: 'Pin default' }).click();
    await page.getByRole('spinbutton', { name: 'Workers' }).fill('2');
    await page.getByRole('button', { name: 'Pin…' }).click();
    await page.getByText(/Pin default to 2 workers/).waitFor();
    await page.getByRole('button', { name: 'Confirm pin' }).click();
    await page.getByText(/^Pinned default to 2 workers/).waitFor();
    await page.locator('[data-testid="pinned-default"]', { hasText: '2' }).waitFor();
    await page.locator('.timeline .badge', { hasText: 'pinned' }).first().waitFor();
    await shot(page, 'scaler');
  });

  it("shows every tenant's finished tasks to an admin, and each provider's circuit and budgets", async () => {
    // The tasks of the tests before finished: the workers count them per hour.
    await nav(page, 'Tenants').click();
    await page.getByRole('row', { name: /^default\b/ }).waitFor();
    await expect(page.getByRole('columnheader', { name: 'Failure rate' }).count()).resolves.toBe(1);
    await shot(page, 'tenants');
    await nav(page, 'Providers').click();
    await page.getByText('No LLM calls in this window').waitFor();
    // What workers calling a provider leave in Redis (this test's worker has no LLM): use, and
    // the budgets of models with limits (one of them used up) and of one without.
    const redis = createRedis(REDIS_URL, 'worker', 'e2e-llm-calls');
    try {
      const usage = new TenantUsage(redis, prefix);
      for (const tokens of [1800, 4800]) {
        const target = { provider: 'default', model: 'gpt-4o-mini' };
        await usage.record('default', target, tokens, tokens * 0.0000006);
      }
      const limiter = new RateLimiter(redis, prefix);
      const call = await limiter.reserve('default', 'gpt-4o-mini', 3000, {
        requestsPerMinute: 4,
        tokensPerMinute: 6000,
      });
      await call.settle(4800);
      await limiter.reserve('default', 'gpt-4o', 500, { requestsPerMinute: 1 });
      await limiter.reserve('default', 'llama3.2', 500, {});
    } finally {
      await redis.quit();
    }
    await page.reload();
    const requests = page.getByRole('meter', { name: 'Requests per minute of gpt-4o-mini' });
    await expect(requests.getAttribute('aria-valuetext')).resolves.toBe('1 / 4');
    const used = page.getByRole('meter', { name: 'Requests per minute of gpt-4o', exact: true });
    await expect(used.getAttribute('aria-valuetext')).resolves.toBe('1 / 1');
    await page.getByRole('row', { name: /^llama3\.2\b.*no limit/ }).waitFor();
    await shot(page, 'providers');
  });

  it('shows a read-only key the page saying it is not allowed', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    try {
      const narrow = await context.newPage();
      await signIn(narrow, reader.key);
      await expect(nav(narrow, 'Scaler').count()).resolves.toBe(0);
      await narrow.goto(`${base}/console/scaler`);
      await narrow.getByRole('heading', { name: 'Not allowed with this key' }).waitFor();
      await shot(narrow, 'forbidden');
    } finally {
      await context.close();
    }
  });
});
