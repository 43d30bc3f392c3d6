/**
 * User text becomes a list of plain search terms: letters and digits only, so nothing a user types
 * (quotes, `*`, `NEAR`, `OR`, parentheses, `:`, SQL) reaches a query language as syntax. Both
 * dialects then quote or join the terms themselves; the last term matches as a prefix, for
 * search-as-you-type.
 */
export function searchTerms(text: string, maxTerms = 16): string[] {
  const terms =
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(terms)].slice(0, maxTerms).map((term) => term.slice(0, 64));
}

/** An FTS5 MATCH expression: every term as a quoted string (AND), the last as a prefix. */
export function fts5Query(terms: readonly string[]): string {
  return terms
    .map((term, index) => {
      const quoted = `"${term.replaceAll('"', '""')}"`;
      return index === terms.length - 1 ? `${quoted} *` : quoted;
    })
    .join(" ");
}

/** A PostgreSQL `to_tsquery('simple', …)` expression: terms joined by `&`, the last as a prefix. */
export function tsQuery(terms: readonly string[]): string {
  return terms
    .map((term, index) => {
      const quoted = `'${term.replaceAll("'", "''").replaceAll("\\", "\\\\")}'`;
      return index === terms.length - 1 ? `${quoted}:*` : quoted;
    })
    .join(" & ");
}

/**
 * A short excerpt around the first place a term occurs, on word boundaries, with `…` where text
 * was cut. Computed here rather than by the database so both dialects answer alike.
 */
export function snippetOf(content: string, terms: readonly string[], width = 160): string {
  const text = content.replace(/\s+/g, " ").trim();
  if (text.length <= width) return text;
  const lower = text.toLowerCase();
  let at = -1;
  for (const term of terms) {
    const index = lower.indexOf(term);
    if (index !== -1 && (at === -1 || index < at)) at = index;
  }
  if (at === -1) at = 0;
  let start = Math.max(0, at - Math.floor(width / 3));
  let end = Math.min(text.length, start + width);
  start = Math.max(0, end - width);
  if (start > 0) {
    const space = text.indexOf(" ", start);
    if (space !== -1 && space < at) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(" ", end);
    if (space > at) end = space;
  }
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}
