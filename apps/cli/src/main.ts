#!/usr/bin/env node
// `agentq`: the composition root. Reads the environment once, runs the command line, exits
// with its code.
import os from 'node:os';
import { configFilePath } from './config/config-file.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  env: {
    url: process.env.AGENTQ_URL,
    apiKey: process.env.AGENTQ_API_KEY,
    profile: process.env.AGENTQ_PROFILE,
    configFile: configFilePath(process.env.XDG_CONFIG_HOME, os.homedir()),
    noColor: process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '',
  },
  onInterrupt(handler) {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
});
