import { linePath, maxOf, niceCeiling, ticks } from './chart-scale.js';

export interface ChartSeries {
  name: string;
  values: readonly (number | null)[];
}

interface LineChartProps {
  title: string;
  /** One label per value (x axis): the first and last are drawn. */
  labels: readonly string[];
  series: readonly ChartSeries[];
  formatValue: (value: number) => string;
}

const WIDTH = 600;
const HEIGHT = 160;
const LEFT = 56;
const BOTTOM = 20;

/** A small multi-line chart in plain SVG; each series takes its color from its position. */
export function LineChart({ title, labels, series, formatValue }: LineChartProps) {
  const yMax = niceCeiling(maxOf(series.map((s) => s.values)));
  const frame = { width: WIDTH - LEFT - 8, height: HEIGHT - BOTTOM - 8, yMax };
  const summary = series
    .map((s) => `${s.name} latest ${formatLatest(s.values, formatValue)}`)
    .join(', ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: ${summary}`}>
        <g transform={`translate(${LEFT} 8)`}>
          {ticks(yMax).map((tick) => {
            const y = frame.height - (tick / yMax) * frame.height;
            return (
              <g key={tick} className="chart-grid">
                <line x1={0} x2={frame.width} y1={y} y2={y} />
                <text x={-6} y={y + 4} textAnchor="end">
                  {formatValue(tick)}
                </text>
              </g>
            );
          })}
          {series.map((s, i) => (
            <path key={s.name} className={`chart-line series-${i}`} d={linePath(s.values, frame)} />
          ))}
          <text className="chart-axis" x={0} y={frame.height + 16}>
            {labels[0] ?? ''}
          </text>
          <text className="chart-axis" x={frame.width} y={frame.height + 16} textAnchor="end">
            {labels[labels.length - 1] ?? ''}
          </text>
        </g>
      </svg>
      <ul className="legend">
        {series.map((s, i) => (
          <li key={s.name}>
            <span className={`swatch series-${i}`} aria-hidden="true" />
            {s.name} <span className="muted">{formatLatest(s.values, formatValue)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

function formatLatest(values: readonly (number | null)[], format: (v: number) => string): string {
  const latest = values.findLast((v) => v !== null);
  return latest === undefined || latest === null ? '—' : format(latest);
}
