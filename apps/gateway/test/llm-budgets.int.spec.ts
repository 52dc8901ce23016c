import { RateLimiter, TenantUsage, periodsOf } from '@agentq/agents';
import type { ProvidersView } from '@agentq/contracts';
import { useGateway } from './gateway-harness.js';

const TENANTS = {
  default: { llm: { tokensPerDay: 1000, costUsdPerMonth: 5, models: ['gpt-4o-mini', 'small'] } },
};

const gateway = useGateway(
  { AGENTQ_TENANTS: JSON.stringify(TENANTS) },
  {
    keys: {
      reader: { tenant: 'default', scopes: ['tasks:read', 'tasks:write'] },
      admin: { tenant: 'ops', scopes: ['tasks:read', 'admin'] },
    },
  },
);

const chat = (input: Record<string, unknown>) =>
  gateway.request('POST', '/v1/tasks', { agent: 'llm.chat', input: { prompt: 'Hi', ...input } });

describe('tenant LLM budgets and model allowlists', () => {
  it('refuses a model the tenant may not call, naming the allowed ones', async () => {
    const refused = await chat({ model: 'gpt-4o' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]).toMatchObject({
      path: 'input.model',
      message: expect.stringContaining('allowed: gpt-4o-mini, small'),
    });
    expect((await chat({ model: 'small' })).status).toBe(201);
  });

  it('refuses LLM tasks once the day is used up, with when it resets; other agents still run', async () => {
    const usage = new TenantUsage(gateway.redis, gateway.prefix);
    await usage.record('default', { provider: 'default', model: 'small' }, 1000, 0.5);

    const refused = await chat({});
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      message: expect.stringContaining('tenant "default" used its LLM budget for the day'),
      details: { period: 'day', what: 'tokens', limit: 1000, used: 1000 },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    const workflow = await gateway.request('POST', '/v1/workflows', {
      steps: [{ id: 'ask', agent: 'llm.chat', input: { prompt: 'Hi' } }],
    });
    expect(workflow.status).toBe(429);
    expect((await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).status).toBe(201);
  });

  it("reports the tenant's use and budget; only an admin key reads another tenant's", async () => {
    const own = await gateway.request('GET', '/v1/usage');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      tenant: 'default',
      day: { tokens: 1000, costUsd: 0.5, period: periodsOf(new Date()).day },
      month: { tokens: 1000, costUsd: 0.5 },
      budget: TENANTS.default.llm,
    });
    const denied = await gateway.requestWith(
      gateway.keys.reader ?? null,
      'GET',
      '/v1/usage?tenant=ops',
    );
    expect(denied.status).toBe(403);
    const asAdmin = await gateway.requestWith(
      gateway.keys.admin ?? null,
      'GET',
      '/v1/usage?tenant=default',
    );
    expect(asAdmin.body).toMatchObject({ tenant: 'default', day: { tokens: 1000 } });
  });

  it("shows the use per provider and model: all tenants' to admins, its own to others", async () => {
    const usage = new TenantUsage(gateway.redis, gateway.prefix);
    await usage.record('ops', { provider: 'backup', model: 'big' }, 20, 0.25);
    const asAdmin = await gateway.requestWith(gateway.keys.admin ?? null, 'GET', '/v1/providers');
    expect(asAdmin.status).toBe(200);
    const byProvider = Object.fromEntries(
      (asAdmin.body.providers as { provider: string }[]).map((p) => [p.provider, p]),
    );
    expect(byProvider.default).toEqual({
      provider: 'default',
      circuit: 'closed',
      models: [{ model: 'small', calls: 1, tokens: 1000, costUsd: 0.5 }],
      budgets: [],
    });
    expect(byProvider.backup).toMatchObject({ models: [{ model: 'big', tokens: 20 }] });
    expect(asAdmin.body.hours).toHaveLength(24);

    const own = await gateway.requestWith(
      gateway.keys.reader ?? null,
      'GET',
      '/v1/providers?hours=1',
    );
    expect(own.body.providers.map((p: { provider: string }) => p.provider)).toEqual(['default']);
    expect(own.body.hours[0].usage.map((u: { tenant: string }) => u.tenant)).toEqual(['default']);

    const tenants = await gateway.requestWith(
      gateway.keys.admin ?? null,
      'GET',
      '/v1/tenants?hours=2',
    );
    expect(tenants.status).toBe(200);
    expect(tenants.body.tenants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tenant: 'default', llmCalls: 1, tokens: 1000, costUsd: 0.5 }),
        expect.objectContaining({ tenant: 'ops', tokens: 20 }),
      ]),
    );
    expect(tenants.body.hours).toHaveLength(2);
    const notAdmin = await gateway.requestWith(gateway.keys.reader ?? null, 'GET', '/v1/tenants');
    expect(notAdmin.status).toBe(403);
    const tooLong = await gateway.requestWith(
      gateway.keys.admin ?? null,
      'GET',
      '/v1/tenants?hours=49',
    );
    expect(tooLong.body.error.details).toEqual([expect.objectContaining({ path: 'query.hours' })]);
  });

  it("shows each provider's rate-limit budgets as the workers called them, to every key", async () => {
    // Two workers' calls: one to a model with limits, settled; one to a model without.
    const limiter = new RateLimiter(gateway.redis, gateway.prefix);
    const limits = { requestsPerMinute: 120, tokensPerMinute: 6000 };
    const call = await limiter.reserve('default', 'small', 300, limits);
    await call.settle(250);
    await limiter.reserve('default', 'gpt-4o-mini', 50, {});
    await limiter.reserve('held', 'big', 10, limits);

    const asAdmin = await gateway.requestWith(gateway.keys.admin ?? null, 'GET', '/v1/providers');
    const byProvider = Object.fromEntries(
      (asAdmin.body as ProvidersView).providers.map((p) => [p.provider, p]),
    );
    expect(byProvider.default?.budgets).toEqual([
      {
        model: 'gpt-4o-mini',
        requests: { limit: null, lastMinute: 1, available: null },
        tokens: { limit: null, lastMinute: null, available: null },
        lastCallAt: expect.any(String),
      },
      {
        model: 'small',
        requests: { limit: 120, lastMinute: 1, available: expect.any(Number) },
        tokens: { limit: 6000, lastMinute: expect.any(Number), available: expect.any(Number) },
        lastCallAt: expect.any(String),
      },
    ]);
    const small = byProvider.default?.budgets[1];
    const limited = { limit: 120, lastMinute: 1 };
    expect(small?.tokens.lastMinute).toBeGreaterThan(240);
    expect(small?.tokens.lastMinute).toBeLessThanOrEqual(250);
    // A provider with budgets and no finished call yet is listed for an admin.
    expect(byProvider.held).toMatchObject({ models: [], budgets: [{ model: 'big' }] });

    // A tenant key sees the budgets (shared) of the providers its tenant used.
    const own = await gateway.requestWith(gateway.keys.reader ?? null, 'GET', '/v1/providers');
    expect(own.body.providers).toEqual([
      expect.objectContaining({
        provider: 'default',
        budgets: [
          expect.objectContaining({ model: 'gpt-4o-mini' }),
          expect.objectContaining({ model: 'small', requests: expect.objectContaining(limited) }),
        ],
      }),
    ]);
  });
});
