import { AgentqClient } from '@agentq/client';
import { readConfigFile } from './config/config-file.js';
import { resolveConnection, type Connection } from './config/resolve-connection.js';
import { Printer, type OutputMode } from './output/printer.js';

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** What main.ts read from the environment, once. */
export interface CliEnvironment {
  url: string | undefined;
  apiKey: string | undefined;
  profile: string | undefined;
  configFile: string;
  /** NO_COLOR is set (to anything): https://no-color.org */
  noColor: boolean;
}

export interface CliDeps {
  io: CliIo;
  env: CliEnvironment;
  /** Calls `handler` on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

/** The options every command takes. */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  profile?: string;
  json?: boolean;
}

/** What a command's action works with: the output, the connection, the terminal. */
export class CliContext {
  readonly out: Printer;

  constructor(
    readonly deps: CliDeps,
    readonly globals: GlobalOptions,
  ) {
    this.out = new Printer(outputMode(globals, deps.io), deps.io, !deps.env.noColor);
  }

  /** Whether a person at a terminal can answer a question (not in `--json` mode). */
  get canPrompt(): boolean {
    return this.out.mode === 'tty' && this.deps.io.stdin.isTTY === true;
  }

  async connection(): Promise<Connection> {
    const { env } = this.deps;
    return resolveConnection({
      flags: this.globals,
      env: { url: env.url, apiKey: env.apiKey, profile: env.profile },
      file: await readConfigFile(env.configFile),
    });
  }

  async client(): Promise<AgentqClient> {
    const { url, apiKey } = await this.connection();
    return new AgentqClient({ baseUrl: url, apiKey });
  }
}

function outputMode(globals: GlobalOptions, io: CliIo): OutputMode {
  if (globals.json === true) return 'json';
  return io.stdout.isTTY ? 'tty' : 'plain';
}
