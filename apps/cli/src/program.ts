import { Command } from 'commander';
import type { CliRuntime } from './cli-runtime.js';
import { registerConfig } from './commands/config.command.js';
import { registerDlq } from './commands/dlq.command.js';
import { registerKeys } from './commands/keys.command.js';
import { registerPools } from './commands/pools.command.js';
import { registerRun } from './commands/run.command.js';
import { registerScaler } from './commands/scaler.command.js';
import { registerSubmit } from './commands/submit.command.js';
import { registerTaskCommands } from './commands/tasks.command.js';
import { registerWorkflow } from './commands/workflow.command.js';
import { EXIT_CODES_HELP } from './exit-code.js';

const CONFIG_HELP = `Connection: --url/--api-key, else the profile named by --profile or AGENTQ_PROFILE,
else AGENTQ_URL/AGENTQ_API_KEY, else the current profile of the config file
($XDG_CONFIG_HOME/agentq/config.yaml or ~/.config/agentq/config.yaml); url defaults to
http://localhost:3000. Output: --json for scripts; plain lines when stdout is not a
terminal; NO_COLOR turns colours off.`;

/** Every command of `agentq`, wired to the runtime; parse settings are set before commands are added, so they inherit them. */
export function buildProgram(runtime: CliRuntime): Command {
  const { io } = runtime.deps;
  const program = new Command('agentq')
    .description('Run and follow agentq tasks and workflows; operate pools, the scaler and keys.')
    .option('--url <url>', 'the gateway (AGENTQ_URL)')
    .option('--api-key <key>', 'the API key (AGENTQ_API_KEY)')
    .option('--profile <name>', 'a profile of the config file (AGENTQ_PROFILE)')
    .option('--json', 'print JSON, for scripts')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText('after', `\n${CONFIG_HELP}\n\n${EXIT_CODES_HELP}\n`);
  registerRun(program, runtime);
  registerSubmit(program, runtime);
  registerTaskCommands(program, runtime);
  registerWorkflow(program, runtime);
  registerDlq(program, runtime);
  registerPools(program, runtime);
  registerScaler(program, runtime);
  registerKeys(program, runtime);
  registerConfig(program, runtime);
  return program;
}
