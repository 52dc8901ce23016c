import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../usage-error.js';

const ProfileSchema = z.strictObject({
  /** The gateway's address. */
  url: z.url().optional(),
  /** An API key (`aq_...`). */
  apiKey: z.string().min(1).optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** `config.yaml`: named profiles and the one used when none is named. */
export const ConfigFileSchema = z.strictObject({
  current: z.string().min(1).optional(),
  profiles: z.record(z.string().min(1), ProfileSchema).default({}),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** Where the config file lives: `$XDG_CONFIG_HOME/agentq/config.yaml`, else `~/.config/...`. */
export function configFilePath(xdgConfigHome: string | undefined, home: string): string {
  const base =
    xdgConfigHome !== undefined && xdgConfigHome !== ''
      ? xdgConfigHome
      : path.join(home, '.config');
  return path.join(base, 'agentq', 'config.yaml');
}

/** The config file's profiles; none when the file does not exist. */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new UsageError(`${file}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Writes the file readable by its owner only: it holds API keys. */
export async function writeConfigFile(file: string, config: ConfigFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, stringify(config), { mode: 0o600 });
  await chmod(file, 0o600);
}
