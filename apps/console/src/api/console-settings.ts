import { useEffect, useState } from 'react';

/** The deployment's settings (`GET /console/settings.json`, served beside the page). */
export interface ConsoleSettings {
  /** Where a trace is shown, `{traceId}` standing for its id; null: no link. */
  traceUrl: string | null;
}

const NONE: ConsoleSettings = { traceUrl: null };
let loaded: Promise<ConsoleSettings> | undefined;

/** Read once per page load; without them (an older gateway), the console links nothing. */
function loadSettings(): Promise<ConsoleSettings> {
  loaded ??= fetch(`${window.location.origin}/console/settings.json`)
    .then((response) => (response.ok ? (response.json() as Promise<ConsoleSettings>) : NONE))
    .catch(() => NONE);
  return loaded;
}

export function useConsoleSettings(): ConsoleSettings {
  const [settings, setSettings] = useState<ConsoleSettings>(NONE);
  useEffect(() => {
    let current = true;
    void loadSettings().then((value) => current && setSettings(value));
    return () => {
      current = false;
    };
  }, []);
  return settings;
}

/** The address of a trace, or undefined when the deployment names no trace viewer. */
export function traceLink(settings: ConsoleSettings, traceId: string): string | undefined {
  return settings.traceUrl?.replaceAll('{traceId}', encodeURIComponent(traceId));
}
