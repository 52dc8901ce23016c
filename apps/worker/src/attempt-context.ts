import type { Job } from 'bullmq';
import type { AgentContext, TaskServices } from '@agentq/agents';
import type { TaskAbort } from './task-abort.js';

/**
 * Where a context keeps its abort: a symbol, not a private field, so that the shared getter
 * also works through a Proxy of the context or an object inheriting from it.
 */
const ABORT = Symbol('abort');

/**
 * What an agent gets for one attempt. A class rather than an object literal: a literal with
 * a getter (the signal is made only when the agent asks for it) builds a new accessor for
 * every task, about 500 bytes of garbage each; here every instance shares one. Every member
 * is an own property, as in a literal, so that an agent may spread the context (`{ ...ctx }`)
 * or pass `progress` and `log` around unbound.
 */
export class AttemptContext implements AgentContext {
  /** The abort's signal, as an own enumerable property read through one shared getter. */
  static readonly #signal: PropertyDescriptor = {
    enumerable: true,
    get(this: AttemptContext): AbortSignal {
      return this[ABORT].signal;
    },
  };

  declare readonly signal: AbortSignal;
  readonly tenant: string;
  readonly state: AgentContext['state'];
  readonly llm: AgentContext['llm'];
  readonly http: AgentContext['http'];
  readonly progress: AgentContext['progress'];
  readonly log: AgentContext['log'];
  readonly [ABORT]: TaskAbort;
  readonly redelivered: boolean;

  constructor(
    readonly taskId: string,
    readonly attempt: number,
    job: Job,
    abort: TaskAbort,
    services: TaskServices,
  ) {
    this[ABORT] = abort;
    this.redelivered = job.stalledCounter > 0;
    Object.defineProperty(this, 'signal', AttemptContext.#signal);
    this.tenant = services.tenant;
    this.state = services.state;
    this.llm = services.llm;
    this.http = services.http;
    // An aborted attempt is over: an agent still writing (it ignores its signal) must not
    // mix its lines into the job while the retry (or the next worker) writes its own.
    this.progress = async (value) => {
      if (!abort.reason) await job.updateProgress(value);
    };
    this.log = async (line) => {
      if (!abort.reason) await job.log(line);
    };
  }
}
