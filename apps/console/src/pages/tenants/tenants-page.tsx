import { useState } from 'react';
import type { TenantsView } from '@agentq/contracts';
import { useResource } from '../../hooks/use-resource.js';
import { LineChart } from '../../components/line-chart.js';
import { ResourceView } from '../../components/resource-view.js';
import { Empty } from '../../components/states.js';
import { formatClock, formatCount, formatUsd } from '../../format/format.js';
import { useSession } from '../../session/session.js';
import { HoursPicker } from '../activity/hours-picker.js';
import { failureShare, tenantCharts } from './tenant-series.js';

/** Rollups are hourly: a minute's refresh shows the current hour moving. */
const TENANTS_REFRESH_MS = 60_000;

/** Every tenant's finished tasks, failures, tokens and cost (admin keys). */
export function TenantsPage() {
  const { client } = useSession();
  const [hours, setHours] = useState(24);
  const tenants = useResource(
    `tenants-${hours}`,
    (signal) => client.activity.tenants({ hours }, { signal }),
    TENANTS_REFRESH_MS,
  );

  return (
    <>
      <h1>Tenants</h1>
      <HoursPicker hours={hours} onChange={setHours} />
      <ResourceView resource={tenants} what="tenants">
        {(view) =>
          view.tenants.length === 0 ? (
            <Empty title="No activity yet">
              No task finished and no LLM call was made in this window.
            </Empty>
          ) : (
            <TenantsBody view={view} />
          )
        }
      </ResourceView>
    </>
  );
}

function TenantsBody({ view }: { view: TenantsView }) {
  const charts = tenantCharts(view);
  const labels = charts.labels.map(formatClock);
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Completed</th>
              <th scope="col">Failed</th>
              <th scope="col">Cancelled</th>
              <th scope="col">Failure rate</th>
              <th scope="col">LLM calls</th>
              <th scope="col">Tokens</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {view.tenants.map((tenant) => {
              const share = failureShare(tenant);
              return (
                <tr key={tenant.tenant}>
                  <th scope="row">{tenant.tenant}</th>
                  <td>{formatCount(tenant.completed)}</td>
                  <td>{formatCount(tenant.failed)}</td>
                  <td>{formatCount(tenant.cancelled)}</td>
                  <td>{share === null ? '—' : `${(share * 100).toFixed(1)} %`}</td>
                  <td>{formatCount(tenant.llmCalls)}</td>
                  <td>{formatCount(tenant.tokens)}</td>
                  <td>{formatUsd(tenant.costUsd)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="charts">
        <LineChart
          title="Tasks finished per hour"
          labels={labels}
          series={charts.tasks}
          formatValue={formatCount}
        />
        <LineChart
          title="LLM cost per hour"
          labels={labels}
          series={charts.cost}
          formatValue={formatUsd}
        />
      </div>
    </>
  );
}
