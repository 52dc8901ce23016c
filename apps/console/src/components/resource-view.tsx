import type { ReactNode } from 'react';
import type { Resource } from '../hooks/use-resource.js';
import { ErrorState, Loading } from './states.js';

/**
 * A loaded resource's page body: loading, the error (with a retry) before any answer, else
 * `children` with the data; a later refresh that fails shows its error above the last data.
 */
export function ResourceView<T>({
  resource,
  what,
  children,
}: {
  resource: Resource<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  const { data, error, reload } = resource;
  if (data === undefined) {
    return error === undefined ? (
      <Loading what={what} />
    ) : (
      <ErrorState error={error} onRetry={reload} />
    );
  }
  return (
    <>
      {error !== undefined && <ErrorState error={error} />}
      {children(data)}
    </>
  );
}
