import { configFilePath, type ConfigFile } from './config-file.js';
import { DEFAULT_URL, resolveConnection } from './resolve-connection.js';

const file: ConfigFile = {
  current: 'local',
  profiles: {
    local: { url: 'http://local:3000', apiKey: 'aq_local' },
    prod: { url: 'https://prod', apiKey: 'aq_prod' },
    urlOnly: { url: 'http://url-only' },
  },
};

describe(resolveConnection.name, () => {
  it('takes flags first, then a named profile, then the environment, then the current profile', () => {
    const env = { url: 'http://env', apiKey: 'aq_env' };
    expect(resolveConnection({ flags: { url: 'http://flag' }, env, file })).toMatchObject({
      url: 'http://flag',
      apiKey: 'aq_env',
    });
    expect(resolveConnection({ flags: { profile: 'prod' }, env, file })).toEqual({
      url: 'https://prod',
      apiKey: 'aq_prod',
      profile: 'prod',
    });
    expect(resolveConnection({ flags: {}, env: { ...env, profile: 'prod' }, file })).toMatchObject({
      url: 'https://prod',
    });
    expect(resolveConnection({ flags: {}, env, file })).toMatchObject({
      url: 'http://env',
      apiKey: 'aq_env',
    });
    expect(resolveConnection({ flags: {}, env: {}, file })).toEqual({
      url: 'http://local:3000',
      apiKey: 'aq_local',
      profile: 'local',
    });
  });

  it('fills what a named profile lacks from the environment, and defaults the URL', () => {
    expect(
      resolveConnection({ flags: { profile: 'urlOnly' }, env: { apiKey: 'aq_env' }, file }),
    ).toMatchObject({ url: 'http://url-only', apiKey: 'aq_env' });
    expect(resolveConnection({ flags: { apiKey: 'k' }, env: {}, file: { profiles: {} } }).url).toBe(
      DEFAULT_URL,
    );
  });

  it('refuses an unknown profile and a missing key, saying how to fix it', () => {
    expect(() => resolveConnection({ flags: { profile: 'nope' }, env: {}, file })).toThrow(
      /no profile "nope"/,
    );
    expect(() => resolveConnection({ flags: {}, env: {}, file: { profiles: {} } })).toThrow(
      /AGENTQ_API_KEY/,
    );
  });
});

describe(configFilePath.name, () => {
  it('follows XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configFilePath('/xdg', '/home/me')).toBe('/xdg/agentq/config.yaml');
    expect(configFilePath(undefined, '/home/me')).toBe('/home/me/.config/agentq/config.yaml');
    expect(configFilePath('', '/home/me')).toBe('/home/me/.config/agentq/config.yaml');
  });
});
