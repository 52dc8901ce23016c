import { CommanderError } from 'commander';
import { AgentqError } from '@agentq/client';
import type { CliDeps } from './cli-context.js';
import { CliRuntime } from './cli-runtime.js';
import { ExitCode, exitCodeOfError } from './exit-code.js';
import { inline } from './format/values.js';
import { buildProgram } from './program.js';
import { UsageError } from './usage-error.js';

/** Runs one `agentq` command line; resolves with the exit code, having printed any error. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  const runtime = new CliRuntime(deps);
  const program = buildProgram(runtime);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return runtime.exitCode;
  } catch (error) {
    // Commander printed its own message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    const json = argv.includes('--json');
    deps.io.stderr.write(`${json ? JSON.stringify(errorBody(error)) : errorLine(error)}\n`);
    return exitCodeOfError(error);
  }
}

/** One line a person reads: the API's code and message, and the request id to find it by. */
export function errorLine(error: unknown): string {
  if (error instanceof AgentqError) {
    const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
    const request = error.requestId === undefined ? '' : ` [request ${error.requestId}]`;
    return `agentq: ${error.code}${status}: ${error.message}${request}${detailsText(error.details)}`;
  }
  if (error instanceof UsageError) return `agentq: ${error.message}`;
  return `agentq: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

function detailsText(details: unknown): string {
  if (!Array.isArray(details)) return '';
  return details
    .map((detail: unknown) => {
      const { path, message } = (detail ?? {}) as { path?: unknown; message?: unknown };
      return `\n  ${inline(path)}: ${inline(message ?? detail)}`;
    })
    .join('');
}

/** The error as the API's own error body, for `--json`. */
export function errorBody(error: unknown): {
  error: { code: string; message: string; details?: unknown };
} {
  if (error instanceof AgentqError) {
    return { error: { code: error.code, message: error.message, details: error.details } };
  }
  const code = error instanceof UsageError ? 'USAGE' : 'INTERNAL';
  return { error: { code, message: error instanceof Error ? error.message : String(error) } };
}
