import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { INSERT_JOB_LUA, type JobInsert, type Principal } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { RedisScript, ZADD_ALL_LUA } from '../http/redis-script.js';
import { RateLimits, tasksRefused, type RequestCharge } from '../rate-limit/rate-limits.service.js';
import {
  REPLICATE_EFFECTS_LUA,
  TAKE_TOKENS_LUA,
  bucketArgs,
  toTake,
} from '../rate-limit/token-bucket.js';
import {
  ENQUEUE_GRACE_MS,
  RESERVE_UNFINISHED_LUA,
  UnfinishedTasks,
} from '../tenant-cap/unfinished-tasks.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { gatewayKeys } from '../gateway-keys.js';
import {
  CLAIMS_LUA,
  IdempotencyStore,
  toClaimOutcomes,
  type ClaimOutcome,
} from './idempotency.store.js';
import { INDEX_TASKS_LUA, TaskIndex, memberOf } from './task-index.js';
import { turnBatcher } from './turn-batch.js';

/**
 * Every check and record of a submit and its enqueue in one script: a submit costs one round
 * trip (each step a call of its own would cost a socket write, a wake-up of Redis and a reply
 * to parse, on a gateway whose CPU is the limit), and no other client sees a submit half
 * done: its tasks are queued together with its records. A submit whose job arguments BullMQ
 * could not read fails before it writes anything; should Redis fail a write later on, that
 * submit fails keeping what it wrote before (Redis does not undo a script), and the other
 * submits of the call are not affected. Per submit, in order:
 * 1. the key's request bucket (one token), unless the guard already took it;
 * 2. the key's task bucket (one token per task);
 * 3. the idempotency claims, checked without writing;
 * 4. the tenant's cap on unfinished tasks, for the tasks that are not repeats;
 * 5. then, nothing having refused: the new tasks are queued (by BullMQ's own add scripts,
 *    see `INSERT_JOB_LUA`), their claims stored and the tasks indexed.
 * A refusal at a step leaves what the steps before it took (tokens are spent by trying, as
 * with separate calls) and writes nothing after it.
 *
 * One call carries one or more submits, one after the other, each judged on its own (a
 * refused one does not stop the next): the single submits of one event-loop turn share it.
 * KEYS: first the add scripts' keys per block (a queue and an add script: the same for every
 * job), then per submit: request bucket, task bucket, tenant's unfinished set, tenant's
 * index, claim keys. ARGV: block count B, per block its add script and key count; then per
 * submit: request rate, burst, cost (0|1); task rate, burst, count T; cap, now, grace; index
 * bound, keep; claim TTL, claim count C; C hashes; then per task: its claim's number
 * (0 = none), job key, index member, block, and BullMQ's three add arguments.
 * Answers per submit { outcome, request tokens left, ms until its bucket is full, ms to wait
 * (refused buckets), detail (claim outcomes / conflicting claim / unfinished count), tasks
 * to reserve }.
 */
const SUBMIT_GATE = new RedisScript(`${REPLICATE_EFFECTS_LUA}
${ZADD_ALL_LUA}
${TAKE_TOKENS_LUA}
${CLAIMS_LUA}
${RESERVE_UNFINISHED_LUA}
${INDEX_TASKS_LUA}
${INSERT_JOB_LUA}
-- A submit's arguments before its hashes (rates, bursts, counts, cap, times, index, claims).
local FIXED = 13
-- Arguments per task: claim, job key, index member, block, packed args, data, packed opts.
local PER_TASK = 7
local blocks = {}
-- Whether BullMQ's add scripts can read a task's packed arguments and options; checked
-- before the submit writes anything, as Redis keeps a script's writes when it fails.
local function readable(packed)
  local ok, value = pcall(cmsgpack.unpack, packed)
  return ok and type(value) == 'table'
end
local function gate(k, a)
  local taskCount = tonumber(ARGV[a + 6])
  local claimCount = tonumber(ARGV[a + FIXED])
  -- ARGV index of the first task's arguments; task i's start at first + PER_TASK * (i - 1).
  local first = a + FIXED + claimCount + 1
  local last = first + PER_TASK * (taskCount - 1)
  for j = first, last, PER_TASK do
    if not (blocks[tonumber(ARGV[j + 3])] and readable(ARGV[j + 4]) and readable(ARGV[j + 6])) then
      error('task ' .. ((j - first) / PER_TASK + 1) .. ' cannot be queued: unreadable job arguments')
    end
  end
  local request = { 1, '-1', 0, 0 }
  if tonumber(ARGV[a + 3]) > 0 then
    request = takeTokens(KEYS[k + 1], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), 1)
    if request[1] == 0 then return { 'requests', request[2], request[4], request[3], 0, 0 } end
  end
  local tasks = takeTokens(KEYS[k + 2], tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), taskCount)
  if tasks[1] == 0 then return { 'tasks', request[2], request[4], tasks[3], 0, 0 } end
  local claimKeys = {}
  local hashes = {}
  for i = 1, claimCount do
    claimKeys[i] = KEYS[k + 4 + i]
    hashes[i] = ARGV[a + FIXED + i]
  end
  local outcomes = checkClaims(claimKeys, hashes)
  for i = 1, claimCount do
    if outcomes[i] == 'c' then return { 'conflict', request[2], request[4], 0, i, 0 } end
  end
  local jobKeys = {}
  local members = {}
  local inserts = {}
  for j = first, last, PER_TASK do
    local claim = tonumber(ARGV[j])
    if claim == 0 or outcomes[claim] == 'n' then
      jobKeys[#jobKeys + 1] = ARGV[j + 1]
      if ARGV[j + 2] ~= '' then members[#members + 1] = ARGV[j + 2] end
      inserts[#inserts + 1] = j
    end
  end
  local cap = tonumber(ARGV[a + 7])
  if cap > 0 and #jobKeys > 0 then
    local unfinished = reserveUnfinished(KEYS[k + 3], cap, tonumber(ARGV[a + 8]),
      tonumber(ARGV[a + 9]), jobKeys)
    if unfinished >= 0 then return { 'quota', request[2], request[4], 0, unfinished, #jobKeys } end
  end
  -- Queued before the claims are stored: should Redis fail an add (out of memory), the
  -- script stops with no claim naming a task that was never queued.
  for _, j in ipairs(inserts) do
    local block = blocks[tonumber(ARGV[j + 3])]
    insertJob(block.kind, block.keys, ARGV[j + 4], ARGV[j + 5], ARGV[j + 6])
  end
  commitClaims(claimKeys, hashes, outcomes, tonumber(ARGV[a + 12]))
  if #members > 0 then indexTasks(KEYS[k + 4], ARGV[a + 10], tonumber(ARGV[a + 11]), members) end
  return { 'ok', request[2], request[4], 0, table.concat(outcomes), #jobKeys }
end
local k, a = 0, 1
for b = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[a + 2])
  local keys = {}
  for i = 1, count do keys[i] = KEYS[k + i] end
  blocks[b] = { kind = tonumber(ARGV[a + 1]), keys = keys }
  k = k + count
  a = a + 2
end
local replies = {}
while a < #ARGV do
  local claimCount = tonumber(ARGV[a + FIXED])
  -- A failure is that submit's alone: the others of the call keep their answers and writes.
  local ok, reply = pcall(gate, k, a)
  if not ok then reply = { 'error', '-1', 0, 0, tostring(reply), 0 } end
  replies[#replies + 1] = reply
  k = k + 4 + claimCount
  a = a + FIXED + claimCount + PER_TASK * tonumber(ARGV[a + 6])
end
flushTokens()
flushIndex()
return replies
`);

type GateReply = [
  outcome: 'ok' | 'requests' | 'tasks' | 'conflict' | 'quota' | 'error',
  requestTokens: string,
  requestFullMs: number,
  waitMs: number,
  detail: number | string,
  reserved: number,
];

/** One task of a submit as the gate sees it. */
export interface GateTask {
  id: string;
  /** Where the task goes (its BullMQ job key counts toward the tenant's cap). */
  jobKey: string;
  pool: string;
  /** The spec's hash, when it has an idempotency key. */
  idempotencyHash?: string;
  /** When it starts, in ms after the submit (its idempotency claim lasts that much longer). */
  delayMs: number;
  /** Its job, as `queue.add` would send it (`jobInsert`). */
  insert: JobInsert;
}

export interface GateRequest {
  principal: Principal;
  tasks: readonly GateTask[];
  /** The request, when its token is taken here (its route's guard did not). */
  charge: RequestCharge | undefined;
  /** Submit time, for the index and the cap's grace period. */
  now: number;
}

/** What a submit that passed the gate learned; its other tasks are queued. */
export interface GatePass {
  /** Per task: whether its idempotency key was used before with the same spec (not queued again). */
  repeats: boolean[];
}

/** The task the gate refused for a conflicting idempotency key (409; 0-based). */
export class IdempotencyConflict extends Error {
  constructor(readonly taskIndex: number) {
    super('idempotency key used with another spec');
  }
}

/** How many single submits share one gate call at most. */
const SINGLES_PER_CALL = 8;

/** One submit's part of a {@link SUBMIT_GATE} call. */
interface GateCall {
  keys: string[];
  args: (string | Buffer)[];
}

/** Runs {@link SUBMIT_GATE} for a submit and turns its answer into a pass or an ApiError. */
@Injectable()
export class SubmitGate {
  /**
   * Single submits of one event-loop turn share calls, a few per call: one call for a whole
   * turn would keep the gateway idle while Redis runs it, then Redis idle while the gateway
   * answers (measured with 16 connections: 8 per call 8.4k submits/s, 100 per call 7.2k).
   * Batches are big enough alone.
   */
  private readonly singles = turnBatcher(
    (calls: readonly GateCall[]) => this.run(calls),
    SINGLES_PER_CALL,
  );
  /** Per queue and add script, its block number (1-based) in {@link blockArgs}. */
  private readonly blockNumbers = new Map<string, number>();
  /** The blocks' keys and ARGV head, as every call starts with them; only grows. */
  private readonly blockKeys: string[] = [];
  private readonly blockArgs: string[] = ['0'];

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly rateLimits: RateLimits,
    private readonly idempotency: IdempotencyStore,
    private readonly unfinished: UnfinishedTasks,
    private readonly index: TaskIndex,
  ) {}

  /**
   * Throws the refusal: 429 (requests, tasks, quota) as ApiError, a conflicting key as
   * {@link IdempotencyConflict}. A charged request gets its RateLimit headers either way.
   */
  async pass(request: GateRequest): Promise<GatePass> {
    const { principal, tasks, now, charge } = request;
    const tenant = principal.tenant;
    const requests = this.rateLimits.requestBudget(principal);
    const budget = this.rateLimits.taskBudget(principal, tasks.length);
    const keyed = tasks.flatMap((task, index) =>
      task.idempotencyHash === undefined ? [] : [{ index, hash: task.idempotencyHash }],
    );
    const claimNumber = new Map(keyed.map(({ index }, position) => [index, position + 1]));
    // One TTL per submit: until its latest keyed task can have run and been forgotten.
    const claimDelayMs = Math.max(0, ...keyed.map(({ index }) => tasks[index]?.delayMs ?? 0));
    const claimKeys = keyed.map(({ index }) => this.idempotency.keyOf(tasks[index]?.id ?? ''));
    const index = this.index.write(tenant);
    const members = tasks.map((task) =>
      memberOf({ pool: task.pool, taskId: task.id, submittedAt: now }),
    );
    const unfinishedKey = gatewayKeys.tenantUnfinished(this.config.prefix, tenant);
    const keys = [requests.key, budget.key, unfinishedKey, index.key, ...claimKeys];
    const args: (string | Buffer)[] = [
      ...bucketArgs(requests.limit),
      charge ? '1' : '0',
      ...bucketArgs(budget.limit),
      String(tasks.length),
      String(this.config.tenantMaxUnfinished),
      String(now),
      String(ENQUEUE_GRACE_MS),
      index.tooOld,
      String(index.keep),
      String(this.idempotency.ttlSeconds(claimDelayMs)),
      String(keyed.length),
      ...keyed.map(({ hash }) => hash),
      ...tasks.flatMap((task, i) => [
        String(claimNumber.get(i) ?? 0),
        task.jobKey,
        members[i] ?? '',
        this.blockOf(task.pool, task.insert),
        ...task.insert.argv,
      ]),
    ];
    const call = { keys, args };
    const reply =
      tasks.length === 1
        ? await this.singles.load(call)
        : ((await this.run([call]))[0] as GateReply);
    const [outcome, tokens, fullMs, waitMs, detail, reserved] = reply;
    // A server fault (Redis refused a write, say); the request's token is left to `chargedBy`.
    if (outcome === 'error') throw new Error(`the submit gate failed: ${String(detail)}`);
    if (charge) {
      charge.taken = true;
      const allowed = outcome === 'requests' ? 0 : 1;
      // Throws the 429 of a refused request; sets the RateLimit headers otherwise.
      this.rateLimits.answerRequest(
        requests.limit,
        toTake([allowed, tokens, allowed ? 0 : waitMs, fullMs]),
        charge.reply,
      );
    }
    switch (outcome) {
      case 'ok':
        break;
      case 'tasks':
        throw tasksRefused(budget.limit, waitMs);
      case 'conflict':
        throw new IdempotencyConflict(keyed[Number(detail) - 1]?.index ?? 0);
      case 'quota':
        throw this.unfinished.quotaExceeded(Number(detail), reserved);
      case 'requests':
        // answerRequest threw: only a charged request's bucket is tried.
        throw new Error('the submit gate refused a request it was not asked to charge');
    }
    const outcomes: ClaimOutcome[] = toClaimOutcomes(String(detail));
    const repeats = tasks.map(() => false);
    keyed.forEach(({ index }, position) => (repeats[index] = outcomes[position] === 'repeat'));
    return { repeats };
  }

  /**
   * The block number of a queue's add script, registered on first use: every call passes
   * every block known so far, so a number once given stays valid.
   */
  private blockOf(pool: string, insert: JobInsert): string {
    const name = `${pool}\n${insert.kind}`;
    let number = this.blockNumbers.get(name);
    if (number === undefined) {
      number = this.blockNumbers.size + 1;
      this.blockNumbers.set(name, number);
      this.blockKeys.push(...insert.keys);
      this.blockArgs.push(String(insert.kind), String(insert.keys.length));
      this.blockArgs[0] = String(number);
    }
    return String(number);
  }

  /** One gate call for these submits, in order; answers each one's reply. */
  private async run(calls: readonly GateCall[]): Promise<GateReply[]> {
    const keys = [...this.blockKeys, ...calls.flatMap((call) => call.keys)];
    const args = [...this.blockArgs, ...calls.flatMap((call) => call.args)];
    return (await SUBMIT_GATE.run(this.redis, keys, args)) as GateReply[];
  }
}
