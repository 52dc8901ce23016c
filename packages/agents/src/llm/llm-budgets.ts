import type { BudgetUse, LlmBudget } from '@agentq/contracts';
import { loadLuaScript, type RedisClient } from '@agentq/queue';
import { budgetIndexKey, budgetKey } from './rate-limiter.js';

/** `lua/llm-budget.lua`: one budget as it stands now, read without changing it. */
const READ = loadLuaScript<string[]>('llm-budget');

/** The most budgets one read answers (the most recently called): model names come from tasks. */
export const MAX_BUDGETS_READ = 200;

/** A provider+model's budget, with the provider. */
export interface ProviderModelBudget extends LlmBudget {
  provider: string;
}

/**
 * The rate-limit budgets called in the last `hours` (at most {@link MAX_BUDGETS_READ}, by
 * provider then model), as the workers published them on their last call (see RateLimiter):
 * one read of the list, then one pipelined read of every budget, whatever the number of calls.
 */
export async function readLlmBudgets(
  redis: RedisClient,
  prefix: string,
  hours: number,
  options: { now?: number } = {},
): Promise<ProviderModelBudget[]> {
  const since = (options.now ?? Date.now()) - hours * 3_600_000;
  const members = await redis.zrevrangebyscore(
    budgetIndexKey(prefix),
    '+inf',
    since,
    'LIMIT',
    0,
    MAX_BUDGETS_READ,
  );
  if (members.length === 0) return [];
  const targets = members.map((member) => JSON.parse(member) as [string, string]);
  READ.defineOn(redis);
  const pipeline = redis.pipeline();
  for (const [provider, model] of targets)
    READ.queue(pipeline, [budgetKey(prefix, provider, model)], []);
  const replies = (await pipeline.exec()) ?? [];
  const budgets: ProviderModelBudget[] = [];
  targets.forEach(([provider, model], i) => {
    const [error, reply] = replies[i] ?? [new Error('no reply')];
    if (error) throw error;
    const budget = budgetOf(reply as string[]);
    if (budget) budgets.push({ provider, model, ...budget });
  });
  return budgets.sort(
    (a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model),
  );
}

/** llm-budget.lua's answer; undefined when the budget is gone (expired since it was listed). */
function budgetOf(reply: string[]): Omit<LlmBudget, 'model'> | undefined {
  const [seen, rpm, tpm, requests, tokens, requestLevel, tokenLevel] = reply;
  if (seen === undefined) return undefined;
  return {
    requests: use(rpm, requests, requestLevel),
    tokens: use(tpm, tokens, tokenLevel),
    lastCallAt: new Date(Number(seen)).toISOString(),
  };
}

const numberOrNull = (value: string | undefined) =>
  value === undefined || value === '' ? null : Number(value);

function use(limit?: string, lastMinute?: string, level?: string): BudgetUse {
  const perMinute = Number(limit ?? 0);
  return {
    limit: perMinute > 0 ? perMinute : null,
    lastMinute: numberOrNull(lastMinute),
    available: numberOrNull(level),
  };
}
