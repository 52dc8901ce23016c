import type { ReactNode } from 'react';
import type { PagedList } from '../hooks/use-paged-list.js';
import { Empty, ErrorState, Loading } from './states.js';
import { TableHead } from './table-head.js';

interface PagedTableProps<T> {
  list: PagedList<T>;
  /** What the rows are, plural: `Loading tasks…`, `More tasks`. */
  what: string;
  columns: readonly string[];
  /** The title and text shown when there are no rows. */
  empty: { title: string; text: ReactNode };
  /** The rows, one per item. */
  children: ReactNode;
}

/** A listing read page by page: its error, loading and empty states, the table, More. */
export function PagedTable<T>({ list, what, columns, empty, children }: PagedTableProps<T>) {
  return (
    <>
      {list.error !== undefined && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.loading && list.items.length === 0 ? (
        <Loading what={what} />
      ) : list.items.length === 0 && list.error === undefined ? (
        <Empty title={empty.title}>
          <p>{empty.text}</p>
        </Empty>
      ) : (
        <div className="table-scroll">
          <table>
            <TableHead columns={columns} />
            <tbody>{children}</tbody>
          </table>
        </div>
      )}
      {list.hasMore && (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          {list.loading ? 'Loading…' : `More ${what}`}
        </button>
      )}
    </>
  );
}
