/**
 * Where the signed-in API key is kept: sessionStorage, so it lives as long as the tab and
 * never lands in a URL, a cookie or another tab.
 */
const STORAGE_KEY = 'agentq.console.apiKey';

export const apiKeyStore = {
  read(): string | null {
    return sessionStorage.getItem(STORAGE_KEY);
  },
  save(apiKey: string): void {
    sessionStorage.setItem(STORAGE_KEY, apiKey);
  },
  clear(): void {
    sessionStorage.removeItem(STORAGE_KEY);
  },
};
