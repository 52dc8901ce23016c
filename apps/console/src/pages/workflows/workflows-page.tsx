import { FindById } from '../../components/find-by-id.js';
import { navigate } from '../../routing/router.js';

/** Opens a workflow by id: the API has no route listing a tenant's workflows. */
export function WorkflowsPage() {
  return (
    <>
      <h1>Workflows</h1>
      <FindById label="Workflow id" onFind={(id) => navigate({ page: 'workflow', id })} />
      <p className="muted">
        Paste the id a workflow submit answered (POST /v1/workflows). A step&apos;s task is listed
        under Tasks as <code>wf-&lt;workflow id&gt;-&lt;step id&gt;</code>.
      </p>
    </>
  );
}
