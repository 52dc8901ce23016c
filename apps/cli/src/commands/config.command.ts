import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import type { CliRuntime } from '../cli-runtime.js';
import {
  readConfigFile,
  writeConfigFile,
  type ConfigFile,
  type Profile,
} from '../config/config-file.js';
import { ExitCode } from '../exit-code.js';
import { UsageError } from '../usage-error.js';

/** The settings `config set` takes, by the name typed. */
const SETTINGS = { url: 'url', 'api-key': 'apiKey' } as const satisfies Record<
  string,
  keyof Profile
>;
type SettingName = keyof typeof SETTINGS;

/** A key shown in a listing: enough to tell keys apart, not enough to use one. */
export function maskKey(key: string | undefined): string {
  if (key === undefined) return '-';
  return key.length <= 10 ? '***' : `${key.slice(0, 6)}...${key.slice(-4)}`;
}

/** The profile `config set` writes to: --profile, else the current one, else `default`. */
export function profileToEdit(config: ConfigFile, named: string | undefined): string {
  return named ?? config.current ?? 'default';
}

export function registerConfig(program: Command, runtime: CliRuntime): void {
  const config = program
    .command('config')
    .description('named profiles (url, api-key) in the config file');

  config
    .command('set')
    .description(
      'set url or api-key of a profile (--profile, else the current one, else "default")',
    )
    .argument('<setting>', 'url or api-key')
    .argument('<value>')
    .action(
      runtime.action(async (context, setting: string, value: string) => {
        if (!(setting in SETTINGS))
          throw new UsageError(`unknown setting "${setting}": url or api-key`);
        const file = context.deps.env.configFile;
        const current = await readConfigFile(file);
        const name = profileToEdit(current, context.globals.profile);
        const profile = { ...current.profiles[name], [SETTINGS[setting as SettingName]]: value };
        await writeConfigFile(file, {
          current: current.current ?? name,
          profiles: { ...current.profiles, [name]: profile },
        });
        context.out.note(`profile ${name}: ${setting} set (${file})`);
        return ExitCode.Ok;
      }),
    );

  config
    .command('use')
    .description('make a profile the current one')
    .argument('<profile>')
    .action(
      runtime.action(async (context, name: string) => {
        const file = context.deps.env.configFile;
        const current = await readConfigFile(file);
        if (current.profiles[name] === undefined)
          throw new UsageError(`no profile "${name}" in ${file}`);
        await writeConfigFile(file, { ...current, current: name });
        context.out.note(`using profile ${name}`);
        return ExitCode.Ok;
      }),
    );

  config
    .command('list')
    .description('list the profiles (keys masked) and the file they are in')
    .action(runtime.action(async (context) => listProfiles(context)));
}

async function listProfiles(context: CliContext): Promise<ExitCode> {
  const file = context.deps.env.configFile;
  const config = await readConfigFile(file);
  const names = Object.keys(config.profiles);
  if (context.out.mode === 'json') {
    const profiles = Object.fromEntries(
      names.map((name) => [
        name,
        { url: config.profiles[name]?.url, apiKey: maskKey(config.profiles[name]?.apiKey) },
      ]),
    );
    context.out.json({ file, current: config.current ?? null, profiles });
    return ExitCode.Ok;
  }
  context.out.note(`config file: ${file}`);
  context.out.table(
    ['', 'profile', 'url', 'api-key'],
    names.map((name) => [
      name === config.current ? '*' : '',
      name,
      config.profiles[name]?.url ?? '-',
      maskKey(config.profiles[name]?.apiKey),
    ]),
  );
  return ExitCode.Ok;
}
