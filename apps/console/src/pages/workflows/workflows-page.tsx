import { useState } from 'react';
import type { WorkflowPage, WorkflowState } from '@agentq/contracts';
import { usePagedList } from '../../hooks/use-paged-list.js';
import { FindById } from '../../components/find-by-id.js';
import { StateBadge } from '../../components/state-badge.js';
import { PagedTable } from '../../components/paged-table.js';
import { formatTime } from '../../format/format.js';
import { Link, navigate } from '../../routing/router.js';
import { useSession } from '../../session/session.js';
import { WORKFLOW_STATE_OPTIONS, stepsSummary, workflowQuery } from './workflow-list.js';

const PAGE_SIZE = 50;

/** The tenant's workflows, newest first, each opening its graph; or one opened by id. */
export function WorkflowsPage() {
  const { client } = useSession();
  const [state, setState] = useState<WorkflowState | ''>('');
  const query = workflowQuery(state);
  const list = usePagedList(
    JSON.stringify(query),
    (signal) => client.workflows.listPages({ ...query, limit: PAGE_SIZE }, { signal }),
    (page: WorkflowPage) => ({ items: page.workflows, more: page.nextCursor !== null }),
  );

  return (
    <>
      <h1>Workflows</h1>
      <FindById label="Workflow id" onFind={(id) => navigate({ page: 'workflow', id })} />
      <form
        className="filters"
        aria-label="Filter workflows"
        onSubmit={(event) => event.preventDefault()}
      >
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value as WorkflowState | '')}>
            <option value="">any</option>
            {WORKFLOW_STATE_OPTIONS.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </form>
      <PagedTable
        what="workflows"
        columns={['Workflow', 'Name', 'State', 'Steps', 'Created', 'Finished']}
        list={list}
        empty={{
          title: state === '' ? 'No workflows yet' : `No ${state} workflows`,
          text: (
            <>
              Workflows submitted with this key&apos;s tenant (POST /v1/workflows) show up here. A
              step&apos;s task is listed under Tasks as{' '}
              <code>wf-&lt;workflow id&gt;-&lt;step id&gt;</code>.
            </>
          ),
        }}
      >
        {list.items.map((workflow) => (
          <tr key={workflow.id}>
            <td>
              <Link to={{ page: 'workflow', id: workflow.id }} className="mono">
                {workflow.id}
              </Link>
            </td>
            <td>{workflow.name ?? '—'}</td>
            <td>
              <StateBadge state={workflow.state} />
            </td>
            <td>{stepsSummary(workflow.steps)}</td>
            <td>{formatTime(workflow.createdAt)}</td>
            <td>{formatTime(workflow.finishedAt)}</td>
          </tr>
        ))}
      </PagedTable>
    </>
  );
}
