import type { JobsOptions, Queue } from 'bullmq';
import { BULLMQ_ADD_SCRIPTS, recordAddCommand } from './bullmq-internals.js';

/**
 * Adding BullMQ jobs from inside a Lua script of one's own, so that a submit's checks and its
 * enqueue are one atomic round trip instead of two. The jobs are written by BullMQ's own add
 * scripts (the Lua shipped in the installed bullmq, wrapped as functions) with the arguments
 * BullMQ's own code packs for them: a job added this way is the job `queue.add` would have
 * added. The BullMQ internals this takes (the add scripts' sources, the packed arguments)
 * come from `bullmq-internals.ts`.
 */

/** Which add script a job takes: its 1-based number in {@link INSERT_JOB_LUA}. */
export type InsertKind = number;

/**
 * Lua: `insertJob(kind, keys, packedArgs, data, packedOpts)` adds one job with BullMQ's add
 * script number `kind`, `keys` being that script's KEYS for the queue; answers the job id and
 * raises an error if BullMQ refuses the job (its codes concern parent jobs, which agentq's
 * inserts never have).
 * Each script runs as a function whose KEYS and ARGV are its parameters, so it reads what it
 * would have read as a script of its own.
 */
export const INSERT_JOB_LUA = `
local bullmqAddScripts = {
${BULLMQ_ADD_SCRIPTS.map((source) => `-- ${source.name}\nfunction(KEYS, ARGV)\n${source.content}\nend`).join(',\n')}
}
local function insertJob(kind, keys, packedArgs, data, packedOpts)
  local id = bullmqAddScripts[kind](keys, { packedArgs, data, packedOpts })
  if type(id) == 'number' and id < 0 then error('BullMQ refused the job (code ' .. id .. ')') end
  return id
end
`;

/** One job as {@link INSERT_JOB_LUA}'s `insertJob` takes it; `keys` are the same for every job of a kind. */
export interface JobInsert {
  kind: InsertKind;
  /** The queue's keys for this kind of add, in the script's order. */
  keys: readonly string[];
  /** packed args, data (JSON), packed opts. */
  argv: readonly [Buffer | string, string, Buffer | string];
}

/**
 * What `queue.add(name, data, opts)` would send to Redis, without sending it: the same
 * option checks and default options, the same packed arguments. `opts.jobId` is required
 * (the caller owns ids, as agentq does: a task's id is its job id).
 */
export function jobInsert(
  queue: Queue,
  name: string,
  data: unknown,
  opts: JobsOptions & { jobId: string },
): JobInsert {
  const sent = recordAddCommand(queue, name, data, opts);
  const index = BULLMQ_ADD_SCRIPTS.findIndex((source) => source.name === sent.script);
  const source = BULLMQ_ADD_SCRIPTS[index];
  if (!source)
    throw new Error(`bullmq added the job with a script agentq does not run: ${sent.script}`);
  const [packedArgs, jobData, packedOpts] = sent.args.slice(
    source.keys,
  ) as unknown as JobInsert['argv'];
  return {
    kind: index + 1,
    keys: sent.args.slice(0, source.keys) as string[],
    argv: [packedArgs, jobData, packedOpts],
  };
}
