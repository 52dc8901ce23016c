import { createContext, useContext, type ReactNode } from 'react';
import type { AgentqClient } from '@agentq/client';

/** The signed-in user: the client calling the API with their key, and what the key may do. */
export interface Session {
  client: AgentqClient;
  /** Whether the key has the `admin` scope (the operator pages). */
  isAdmin: boolean;
  /** Back to the sign-in page, with a message saying why (a 401, or signing out). */
  signOut: (message?: string) => void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in page');
  return session;
}
