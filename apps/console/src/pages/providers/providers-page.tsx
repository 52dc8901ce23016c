import { useState } from 'react';
import type { BudgetUse, LlmBudget, ModelUsage, ProvidersView } from '@agentq/contracts';
import { useResource } from '../../hooks/use-resource.js';
import { LineChart } from '../../components/line-chart.js';
import { ResourceView } from '../../components/resource-view.js';
import { StateBadge } from '../../components/state-badge.js';
import { Empty } from '../../components/states.js';
import { formatClock, formatCount, formatTime, formatUsd } from '../../format/format.js';
import { useSession } from '../../session/session.js';
import { HoursPicker } from '../activity/hours-picker.js';
import { budgetGauge } from './budget-gauge.js';
import { tokensByProvider, usageByTenantAndModel } from './provider-series.js';

/** A circuit can open any second: read it often. */
const PROVIDERS_REFRESH_MS = 10_000;

/**
 * Each LLM provider's circuit and rate-limit budgets now, and tokens and cost per model and
 * tenant over time: every tenant's with an admin key, the key's own tenant's otherwise.
 */
export function ProvidersPage() {
  const { client, isAdmin } = useSession();
  const [hours, setHours] = useState(24);
  const providers = useResource(
    `providers-${hours}`,
    (signal) => client.activity.providers({ hours }, { signal }),
    PROVIDERS_REFRESH_MS,
  );
  return (
    <>
      <h1>Providers</h1>
      <HoursPicker hours={hours} onChange={setHours} />
      <ResourceView resource={providers} what="providers">
        {(view) =>
          view.providers.length === 0 ? (
            <Empty title="No LLM calls in this window">
              Run an llm.chat task to see its use here.
            </Empty>
          ) : (
            <ProvidersBody
              view={view}
              byTenantTitle={isAdmin ? 'By tenant and model' : 'Your use'}
            />
          )
        }
      </ResourceView>
    </>
  );
}

function ProvidersBody({ view, byTenantTitle }: { view: ProvidersView; byTenantTitle: string }) {
  const chart = tokensByProvider(view);
  return (
    <>
      {view.providers.map((provider) => (
        <section key={provider.provider} aria-labelledby={`provider-${provider.provider}`}>
          <h2 id={`provider-${provider.provider}`}>
            {provider.provider} <StateBadge state={provider.circuit} />
          </h2>
          {provider.models.length > 0 && <UsageTable rows={provider.models} columns={['model']} />}
          <BudgetsTable provider={provider.provider} budgets={provider.budgets} />
        </section>
      ))}
      <div className="charts">
        <LineChart
          title="Tokens per hour"
          labels={chart.labels.map(formatClock)}
          series={chart.series}
          formatValue={formatCount}
        />
      </div>
      <section aria-labelledby="by-tenant">
        <h2 id="by-tenant">{byTenantTitle}</h2>
        <UsageTable rows={usageByTenantAndModel(view)} columns={['tenant', 'provider', 'model']} />
      </section>
    </>
  );
}

type UsageRow = Pick<ModelUsage, 'calls' | 'tokens' | 'costUsd'> & Partial<ModelUsage>;
type NameColumn = 'tenant' | 'provider' | 'model';
const COLUMN_TITLES: Record<NameColumn, string> = {
  tenant: 'Tenant',
  provider: 'Provider',
  model: 'Model',
};

/** Calls, tokens and cost per row, named by the given columns (the first heads its row). */
function UsageTable({ rows, columns }: { rows: UsageRow[]; columns: NameColumn[] }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {COLUMN_TITLES[column]}
              </th>
            ))}
            <th scope="col">Calls</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const names = columns.map((column) => row[column] ?? '');
            return (
              <tr key={names.join('/')}>
                {names.map((name, i) =>
                  i === 0 ? (
                    <th key={columns[i]} scope="row">
                      {name}
                    </th>
                  ) : (
                    <td key={columns[i]}>{name}</td>
                  ),
                )}
                <td>{formatCount(row.calls)}</td>
                <td>{formatCount(row.tokens)}</td>
                <td>{formatUsd(row.costUsd)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Each model's requests and tokens of the last minute against its limits, as bars. */
function BudgetsTable({ provider, budgets }: { provider: string; budgets: LlmBudget[] }) {
  if (budgets.length === 0) {
    return (
      <p className="muted">No worker took from a rate-limit budget of {provider} in this window.</p>
    );
  }
  return (
    <div className="table-scroll budgets-scroll">
      <table className="budgets" aria-label={`Rate limits of ${provider}`}>
        <thead>
          <tr>
            <th scope="col">Model (as called)</th>
            <th scope="col">Requests, last minute / limit</th>
            <th scope="col">Tokens, last minute / limit</th>
            <th scope="col">Last call</th>
          </tr>
        </thead>
        <tbody>
          {budgets.map((budget) => (
            <tr key={budget.model}>
              <th scope="row">{budget.model}</th>
              <BudgetCell use={budget.requests} label={`Requests per minute of ${budget.model}`} />
              <BudgetCell use={budget.tokens} label={`Tokens per minute of ${budget.model}`} />
              <td>{formatTime(budget.lastCallAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function BudgetCell({ use, label }: { use: BudgetUse; label: string }) {
  const gauge = budgetGauge(use);
  if (gauge.share === null) {
    return (
      <td>
        <span className="muted">{gauge.text}</span>
      </td>
    );
  }
  const available =
    use.available === null ? '' : ` (${formatCount(use.available)} may start at once now)`;
  return (
    <td>
      <div
        className={`gauge gauge-${gauge.level}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={use.limit ?? 0}
        aria-valuenow={use.lastMinute ?? 0}
        aria-valuetext={gauge.text}
        title={`${gauge.text} in the last minute${available}`}
      >
        {/* An SVG width, not a style: the console's CSP allows no inline styles. */}
        <svg width="100%" height="100%" aria-hidden="true">
          <rect className="gauge-fill" width={`${Math.round(gauge.share * 100)}%`} height="100%" />
        </svg>
      </div>
      <span className="gauge-text">{gauge.text}</span>
    </td>
  );
}
