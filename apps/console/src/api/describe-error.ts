import { AgentqError } from '@agentq/client';

/** How a page shows a failed call. */
export type ErrorKind = 'unauthorized' | 'forbidden' | 'unavailable' | 'not-found' | 'other';

export interface DescribedError {
  kind: ErrorKind;
  title: string;
  detail: string;
}

/** A failed call as the kind of state a page shows and the words it uses. */
export function describeError(error: unknown): DescribedError {
  if (!(error instanceof AgentqError)) {
    return { kind: 'other', title: 'Something went wrong', detail: String(error) };
  }
  const detail = error.requestId ? `${error.message} (request ${error.requestId})` : error.message;
  if (error.status === 401) {
    return { kind: 'unauthorized', title: 'Your API key was not accepted', detail };
  }
  if (error.status === 403) {
    return { kind: 'forbidden', title: 'Not allowed with this key', detail };
  }
  if (error.status === 404 || error.status === 410) {
    return { kind: 'not-found', title: 'Not found', detail };
  }
  if (error.code === 'SCALER_UNAVAILABLE') {
    return { kind: 'unavailable', title: 'The scaler is unavailable', detail };
  }
  if (error.status === 503) {
    return {
      kind: 'unavailable',
      title: 'The API is unavailable',
      detail: `${detail}. Redis may be unreachable; the gateway answers again once it is back.`,
    };
  }
  if (error.status === undefined) {
    return { kind: 'unavailable', title: 'The gateway did not answer', detail };
  }
  return { kind: 'other', title: `Request failed (${error.status})`, detail };
}
