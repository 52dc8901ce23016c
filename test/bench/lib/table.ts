/** A result table: printed on the console and written to docs/BENCHMARKS.md alike. */
export interface Table {
  caption?: string;
  headers: string[];
  rows: (string | number)[][];
}

/** The table as GitHub markdown, numeric-looking columns right-aligned. */
export function markdownTable(table: Table): string {
  const numeric = table.headers.map((_, column) =>
    table.rows.every((row) => /^[\d.,—×x-]*$/.test(String(row[column] ?? ''))),
  );
  const lines = [
    `| ${table.headers.join(' | ')} |`,
    `| ${numeric.map((right) => (right ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(String).join(' | ')} |`),
  ];
  return (table.caption ? `${table.caption}\n\n` : '') + lines.join('\n');
}
