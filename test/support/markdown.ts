// Markdown for the reports the benchmark and the security suite write.

/** A Markdown table: a header row, its rule, and one line per row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n') + '\n';
}
