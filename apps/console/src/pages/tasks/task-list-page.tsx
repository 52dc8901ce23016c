import { useState, type FormEvent } from 'react';
import type { TaskPage as TaskListPageData } from '@agentq/contracts';
import { useResource } from '../../hooks/use-resource.js';
import { usePagedList } from '../../hooks/use-paged-list.js';
import { FindById } from '../../components/find-by-id.js';
import { StateBadge } from '../../components/state-badge.js';
import { PagedTable } from '../../components/paged-table.js';
import { formatTime } from '../../format/format.js';
import { Link, navigate } from '../../routing/router.js';
import { useSession } from '../../session/session.js';
import {
  NO_FILTERS,
  PRIORITY_OPTIONS,
  TASK_STATE_OPTIONS,
  serverQuery,
  type TaskFilters,
} from './task-filters.js';

const PAGE_SIZE = 50;

export function TaskListPage() {
  const { client } = useSession();
  const [draft, setDraft] = useState<TaskFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<TaskFilters>(NO_FILTERS);
  const pools = useResource('pools', (signal) => client.pools.list({ signal }));
  const query = serverQuery(filters);
  const list = usePagedList(
    JSON.stringify(query),
    (signal) => client.tasks.listPages({ ...query, limit: PAGE_SIZE }, { signal }),
    (page: TaskListPageData) => ({ items: page.tasks, more: page.nextCursor !== null }),
  );
  const tasks = list.items;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };

  return (
    <>
      <h1>Tasks</h1>
      <FindById label="Task id" onFind={(id) => navigate({ page: 'task', id })} />
      <form className="filters" onSubmit={apply} aria-label="Filter tasks">
        <label>
          State
          <select
            value={draft.state}
            onChange={(e) => setDraft({ ...draft, state: e.target.value as TaskFilters['state'] })}
          >
            <option value="">any</option>
            {TASK_STATE_OPTIONS.map((state) => (
              <option key={state}>{state}</option>
            ))}
          </select>
        </label>
        <label>
          Pool
          <select value={draft.pool} onChange={(e) => setDraft({ ...draft, pool: e.target.value })}>
            <option value="">any</option>
            {(pools.data ?? []).map(({ pool }) => (
              <option key={pool}>{pool}</option>
            ))}
          </select>
        </label>
        <label>
          Agent
          <input
            value={draft.agent}
            onChange={(e) => setDraft({ ...draft, agent: e.target.value })}
            placeholder="any"
          />
        </label>
        <label>
          Priority
          <select
            value={draft.priority}
            onChange={(e) =>
              setDraft({ ...draft, priority: e.target.value as TaskFilters['priority'] })
            }
          >
            <option value="">any</option>
            {PRIORITY_OPTIONS.map((priority) => (
              <option key={priority}>{priority}</option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </form>
      <PagedTable
        list={list}
        what="tasks"
        columns={['Task', 'State', 'Agent', 'Pool', 'Priority', 'Created', 'Finished']}
        empty={{
          title: 'No tasks yet',
          text: "Tasks submitted with this key's tenant (POST /v1/tasks) show up here.",
        }}
      >
        {tasks.map((task) => (
          <tr key={task.id}>
            <td>
              <Link to={{ page: 'task', id: task.id }} className="mono">
                {task.id}
              </Link>
            </td>
            <td>
              <StateBadge state={task.state} />
            </td>
            <td>{task.agent}</td>
            <td>{task.pool}</td>
            <td>{task.priority}</td>
            <td>{formatTime(task.createdAt)}</td>
            <td>{formatTime(task.finishedAt)}</td>
          </tr>
        ))}
      </PagedTable>
    </>
  );
}
