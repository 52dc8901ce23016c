import { UsageError } from '../usage-error.js';
import type { ConfigFile, Profile } from './config-file.js';

/** Where the gateway is and which key to send. */
export interface Connection {
  url: string;
  apiKey: string;
  /** The profile that supplied part of it, if any. */
  profile: string | undefined;
}

export interface ConnectionSources {
  flags: { url?: string | undefined; apiKey?: string | undefined; profile?: string | undefined };
  env: { url?: string | undefined; apiKey?: string | undefined; profile?: string | undefined };
  file: ConfigFile;
}

export const DEFAULT_URL = 'http://localhost:3000';

/**
 * Each setting from the first source that has it: `--url`/`--api-key`, then a profile named
 * with `--profile` (or AGENTQ_PROFILE), then AGENTQ_URL/AGENTQ_API_KEY, then the file's
 * current profile, then the default URL. A named profile beats the environment because it
 * was asked for on purpose; the current one is only a default.
 */
export function resolveConnection({ flags, env, file }: ConnectionSources): Connection {
  const named = flags.profile ?? emptyToUndefined(env.profile);
  let chosen: Profile = {};
  if (named !== undefined) {
    const profile = file.profiles[named];
    if (profile === undefined) throw new UsageError(`no profile "${named}" in the config file`);
    chosen = profile;
  }
  const current =
    named === undefined && file.current !== undefined ? file.profiles[file.current] : undefined;
  const url = flags.url ?? chosen.url ?? emptyToUndefined(env.url) ?? current?.url ?? DEFAULT_URL;
  const apiKey = flags.apiKey ?? chosen.apiKey ?? emptyToUndefined(env.apiKey) ?? current?.apiKey;
  if (apiKey === undefined) {
    throw new UsageError(
      'no API key: pass --api-key, set AGENTQ_API_KEY, or add one to a profile (agentq config set api-key <key>)',
    );
  }
  return { url, apiKey, profile: named ?? (current === undefined ? undefined : file.current) };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
