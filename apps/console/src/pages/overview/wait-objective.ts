import { useResource } from '../../hooks/use-resource.js';
import { useSession } from '../../session/session.js';

/** The objective changes only with the scaler's settings: read it now and then. */
const OBJECTIVE_REFRESH_MS = 60_000;

/**
 * The scaler's latency objective (seconds), for keys that may read the scaler (admin);
 * undefined otherwise, or while there is no scaler to ask.
 */
export function useWaitObjective(): number | undefined {
  const { client, isAdmin } = useSession();
  const status = useResource(
    `wait-objective:${String(isAdmin)}`,
    (signal) => (isAdmin ? client.scaler.status({ signal }) : Promise.resolve(undefined)),
    OBJECTIVE_REFRESH_MS,
  );
  return status.data?.objectiveSeconds;
}
