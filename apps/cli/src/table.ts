/** Prints rows as an aligned plain-text table. */
export function formatTable(headers: string[], rows: Array<Array<string | null | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => cell ?? "-"))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (cell ?? "").padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
