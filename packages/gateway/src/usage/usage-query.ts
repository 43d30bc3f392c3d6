import { invalidRequest, type Store } from "@nexus/core";
import { type RawBuilder, sql } from "kysely";
import type { CacheOutcome, UsageEndpoint } from "./usage-record.ts";

export const usageGroupings = ["alias", "deployment", "key", "day", "model"] as const;
export type UsageGroupBy = (typeof usageGroupings)[number];

/** Milliseconds at the 50th and 95th percentile (nearest rank). */
export interface Percentiles {
  p50: number;
  p95: number;
}

export interface UsageTotals {
  requests: number;
  /** Requests answered with a status of 400 or more. */
  errors: number;
  promptTokens: number;
  completionTokens: number;
  /** Dollars, over the requests whose deployment has prices. */
  cost: number;
  latencyMs: Percentiles | null;
  /** Over streamed requests that got a first token. */
  ttftMs: Percentiles | null;
}

export interface UsageSummary {
  totals: UsageTotals;
  /** Present with `groupBy`: busiest first, or by date for `day`. `key` is '' where the row has none (no API key, no deployment). */
  groups?: Array<UsageTotals & { key: string }>;
}

export interface UsageRange {
  /** Inclusive; ISO-8601 or a Date. */
  from?: string | Date;
  /** Exclusive. */
  to?: string | Date;
}

/** One request as listed. */
export interface UsageEntry {
  id: string;
  requestId: string | null;
  apiKeyId: string | null;
  alias: string;
  deployment: string | null;
  provider: string | null;
  model: string | null;
  endpoint: UsageEndpoint;
  stream: boolean;
  cache: CacheOutcome;
  status: number;
  errorType: string | null;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  durationMs: number;
  cost: number | null;
  createdAt: string;
}

const groupColumns: Record<UsageGroupBy, RawBuilder<string>> = {
  alias: sql<string>`alias`,
  deployment: sql<string>`coalesce(deployment, '')`,
  key: sql<string>`coalesce(api_key_id, '')`,
  model: sql<string>`coalesce(model, '')`,
  // created_at is ISO-8601 UTC text, so its first ten characters are the UTC date.
  day: sql<string>`substr(created_at, 1, 10)`,
};

/**
 * Totals of a workspace's gateway usage over a time range, optionally per alias, deployment, key,
 * model or UTC day. Percentiles are computed in the database (window functions, in both SQLite
 * and PostgreSQL), so no rows are shipped to the process.
 *
 * @example
 * const { totals, groups } = await queryUsage(store, workspaceId, { from: "2025-11-01T00:00:00Z", groupBy: "alias" });
 */
export async function queryUsage(
  store: Store,
  workspaceId: string,
  options: UsageRange & { groupBy?: UsageGroupBy; limit?: number } = {},
): Promise<UsageSummary> {
  const where = rangeCondition(workspaceId, options);
  const [totals] = await aggregate(store, where, undefined, 1);
  const summary: UsageSummary = { totals: totals ?? emptyTotals() };
  if (options.groupBy) {
    const limit = Math.min(Math.max(1, options.limit ?? 100), 1_000);
    summary.groups = await aggregate(store, where, options.groupBy, limit);
  }
  return summary;
}

async function aggregate(
  store: Store,
  where: RawBuilder<unknown>,
  groupBy: UsageGroupBy | undefined,
  limit: number,
): Promise<Array<UsageTotals & { key: string }>> {
  const group = groupBy ? groupColumns[groupBy] : sql<string>`''`;
  const grouping = groupBy ? sql`group by ${group}` : sql``;
  const order = groupBy === "day" ? sql`order by grp` : sql`order by requests desc, grp`;
  const { rows } = await sql<{
    grp: string;
    requests: number | string;
    errors: number | string | null;
    prompt_tokens: number | string | null;
    completion_tokens: number | string | null;
    cost: number | string | null;
  }>`select ${group} as grp, count(*) as requests,
      sum(case when status >= 400 then 1 else 0 end) as errors,
      sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens, sum(cost) as cost
    from gateway_usage where ${where} ${grouping} ${order} limit ${limit}`.execute(store.db);
  if (rows.length === 0 || Number(rows[0]?.requests) === 0) return [];
  const latency = await percentiles(store, where, groupBy, "duration_ms");
  const ttft = await percentiles(store, where, groupBy, "ttft_ms");
  return rows.map((row) => ({
    key: row.grp,
    requests: Number(row.requests),
    errors: Number(row.errors ?? 0),
    promptTokens: Number(row.prompt_tokens ?? 0),
    completionTokens: Number(row.completion_tokens ?? 0),
    cost: Number(row.cost ?? 0),
    latencyMs: latency.get(row.grp) ?? null,
    ttftMs: ttft.get(row.grp) ?? null,
  }));
}

/** p50 and p95 per group by nearest rank: the value at position ceil(p × n) in sorted order. */
async function percentiles(
  store: Store,
  where: RawBuilder<unknown>,
  groupBy: UsageGroupBy | undefined,
  column: "duration_ms" | "ttft_ms",
): Promise<Map<string, Percentiles>> {
  const group = groupBy ? groupColumns[groupBy] : sql<string>`''`;
  const partition = groupBy ? sql`partition by ${group}` : sql``;
  const value = sql.ref(column);
  const { rows } = await sql<{
    grp: string;
    metric_value: number | string;
    rank_position: number | string;
    rank_total: number | string;
  }>`select grp, metric_value, rank_position, rank_total from (
      select ${group} as grp, ${value} as metric_value,
        row_number() over (${partition} order by ${value}) as rank_position,
        count(*) over (${partition}) as rank_total
      from gateway_usage where ${where} and ${value} is not null
    ) ranked
    where rank_position = (rank_total * 50 + 99) / 100
      or rank_position = (rank_total * 95 + 99) / 100`.execute(store.db);
  const result = new Map<string, Percentiles>();
  for (const row of rows) {
    const total = Number(row.rank_total);
    const position = Number(row.rank_position);
    const entry = result.get(row.grp) ?? { p50: 0, p95: 0 };
    if (position === Math.floor((total * 50 + 99) / 100)) entry.p50 = Number(row.metric_value);
    if (position === Math.floor((total * 95 + 99) / 100)) entry.p95 = Number(row.metric_value);
    result.set(row.grp, entry);
  }
  return result;
}

/**
 * A workspace's requests, newest first, a page at a time: pass the returned `nextCursor` to get
 * the next page (null on the last).
 */
export async function listUsage(
  store: Store,
  workspaceId: string,
  options: UsageRange & { cursor?: string; limit: number },
): Promise<{ data: UsageEntry[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(1, Math.trunc(options.limit) || 1), 1_000);
  let query = store.db
    .selectFrom("gateway_usage")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1);
  const { from, to } = range(options);
  if (from) query = query.where("created_at", ">=", from);
  if (to) query = query.where("created_at", "<", to);
  if (options.cursor) {
    const [createdAt, id] = decodeCursor(options.cursor);
    query = query.where((row) =>
      row.or([
        row("created_at", "<", createdAt),
        row.and([row("created_at", "=", createdAt), row("id", "<", id)]),
      ]),
    );
  }
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map((row) => ({
      id: row.id,
      requestId: row.request_id,
      apiKeyId: row.api_key_id,
      alias: row.alias,
      deployment: row.deployment,
      provider: row.provider,
      model: row.model,
      endpoint: row.endpoint,
      stream: Number(row.stream) === 1,
      cache: row.cache,
      status: Number(row.status),
      errorType: row.error_type,
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
      durationMs: Number(row.duration_ms),
      cost: row.cost === null ? null : Number(row.cost),
      createdAt: row.created_at,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

function range(options: UsageRange): { from?: string; to?: string } {
  return { from: isoTime(options.from, "from"), to: isoTime(options.to, "to") };
}

function rangeCondition(workspaceId: string, options: UsageRange): RawBuilder<unknown> {
  const { from, to } = range(options);
  const conditions = [sql`workspace_id = ${workspaceId}`];
  if (from) conditions.push(sql`created_at >= ${from}`);
  if (to) conditions.push(sql`created_at < ${to}`);
  return sql.join(conditions, sql` and `);
}

/** Stored times are `toISOString()` text, so bounds must be too for text comparison to order them. */
function isoTime(value: string | Date | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidRequest(`'${param}' is not a valid time`, param);
  return date.toISOString();
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === "string")) {
      return value as [string, string];
    }
  } catch {
    // Reported below.
  }
  throw invalidRequest("Invalid cursor: pass the nextCursor of a previous page", "cursor");
}

function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    errors: 0,
    promptTokens: 0,
    completionTokens: 0,
    cost: 0,
    latencyMs: null,
    ttftMs: null,
  };
}
