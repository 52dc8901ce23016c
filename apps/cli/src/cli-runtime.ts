import type { Command } from 'commander';
import { CliContext, type CliDeps, type GlobalOptions } from './cli-context.js';
import { ExitCode } from './exit-code.js';

/** Runs command actions with their context, and keeps the exit code the last one chose. */
export class CliRuntime {
  exitCode: ExitCode = ExitCode.Ok;

  constructor(readonly deps: CliDeps) {}

  /**
   * A commander action from a handler taking the context, then what commander passes (the
   * arguments, then the options); the command itself comes last and is dropped.
   */
  action<A extends unknown[]>(
    handler: (context: CliContext, ...args: A) => Promise<ExitCode>,
  ): (...args: unknown[]) => Promise<void> {
    return async (...args) => {
      const command = args.at(-1) as Command;
      const context = new CliContext(this.deps, command.optsWithGlobals<GlobalOptions>());
      this.exitCode = await handler(context, ...(args.slice(0, -1) as A));
    };
  }
}
