import { createRequire } from 'node:module';
import { Job, type JobJson, type JobsOptions, type Queue, type RedisQueueBackend } from 'bullmq';

/**
 * Adding BullMQ jobs from inside a Lua script of one's own, so that a submit's checks and its
 * enqueue are one atomic round trip instead of two. The jobs are written by BullMQ's own add
 * scripts (the Lua shipped in the installed bullmq, wrapped as functions) with the arguments
 * BullMQ's own code packs for them: a job added this way is the job `queue.add` would have
 * added. This leans on two BullMQ internals, pinned by the lockfile and checked by
 * `job-insert.int.spec.ts`: the script sources under `dist/cjs/scripts` and
 * `RedisQueueBackend.addJobToTransaction` calling `runCommand` before its first await.
 */

/** A BullMQ script as its build ships it. */
interface ScriptSource {
  name: string;
  content: string;
  keys: number;
}

const require = createRequire(import.meta.url);
const script = (file: string, name: string) =>
  (require(`bullmq/dist/cjs/scripts/${file}.js`) as Record<string, ScriptSource>)[name];

/** The add scripts, in the order {@link INSERT_JOB_LUA} numbers them (1-based). */
const ADD_SCRIPTS = [
  script('addStandardJob-9', 'addStandardJob'),
  script('addPrioritizedJob-9', 'addPrioritizedJob'),
  script('addDelayedJob-6', 'addDelayedJob'),
].map((source) => {
  if (!source) throw new Error('this bullmq build does not ship the add scripts agentq uses');
  return source;
});

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
${ADD_SCRIPTS.map((source) => `-- ${source.name}\nfunction(KEYS, ARGV)\n${source.content}\nend`).join(',\n')}
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

/** Reaches the option check `Job.create` runs (a protected method). */
class CheckedJob extends Job {
  check(json: JobJson): void {
    this.validateOptions(json);
  }
}

type AddClient = Parameters<RedisQueueBackend['addJobToTransaction']>[0];

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
  const merged = { ...queue.defaultJobOptions, ...opts };
  const job = new CheckedJob(queue, name, data, merged, opts.jobId);
  const json = job.asJSON();
  job.check(json);
  let sent: { command: string; args: unknown[] } | undefined;
  const recorder = {
    runCommand: (command: string, args: unknown[]) => {
      sent = { command, args };
      return Promise.resolve(opts.jobId);
    },
  } as unknown as AddClient;
  // The command is built and "sent" synchronously; the promise only checks the answer.
  void queue.backend.addJobToTransaction(recorder, json, opts.jobId);
  if (!sent) throw new Error('bullmq did not build its add command synchronously');
  const scriptName = sent.command.split(':')[0];
  const index = ADD_SCRIPTS.findIndex((source) => source.name === scriptName);
  const source = ADD_SCRIPTS[index];
  if (!source)
    throw new Error(`bullmq added the job with a script agentq does not run: ${scriptName}`);
  const [packedArgs, jobData, packedOpts] = sent.args.slice(
    source.keys,
  ) as unknown as JobInsert['argv'];
  return {
    kind: index + 1,
    keys: sent.args.slice(0, source.keys) as string[],
    argv: [packedArgs, jobData, packedOpts],
  };
}
