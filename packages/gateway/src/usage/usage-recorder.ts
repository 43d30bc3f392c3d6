import type { GatewayUsageTable, Metrics, Store } from "@nexus/core";
import { newRowId } from "./row-ids.ts";
import { createUsageBatchInsert } from "./usage-batch-insert.ts";
import { BoundedLabel, DeploymentSeries, gatewayMetrics } from "./usage-metrics.ts";
import { cacheOutcomes, type UsageRecord, usageCost, usageEndpoints } from "./usage-record.ts";

export interface UsageRecorder {
  /**
   * Counts the request in the metrics now and queues its usage row for the next batch insert.
   * Never throws and never waits: a request must not fail or slow down for its accounting.
   */
  record(row: UsageRecord): void;
  /** Counts one failed upstream call (a deployment tried before a fallback, or the last one). */
  recordUpstreamError(deploymentId: string, type: string): void;
  /** Inserts what is queued now. */
  flush(): Promise<void>;
  /** Stops the timer and inserts every queued row. Rows recorded afterwards are dropped. */
  close(): Promise<void>;
}

export interface UsageRecorderOptions {
  store: Store;
  metrics: Pick<Metrics, "registry">;
  /** Queued rows are inserted this often; default 1 000 ms (sooner when a batch fills). */
  flushIntervalMs?: number;
  /** Rows per insert statement; default 200. */
  batchSize?: number;
  /** While the store is failing, at most this many rows wait; the oldest are dropped first. Default 20 000. */
  maxQueuedRows?: number;
  /** Told when an insert fails or rows are dropped. */
  onError?(error: unknown): void;
}

type UsageRow = GatewayUsageTable;

/**
 * Usage accounting for the gateway: Prometheus series updated as each request ends, and one row
 * per request in `gateway_usage`, inserted in batches off the request path.
 *
 * @example
 * const usage = createUsageRecorder({ store, metrics });
 * usage.record({ workspaceId, apiKeyId, alias: "chat", deployment: "vllm/qwen", endpoint: "chat",
 *   stream: true, cache: "miss", status: 200, promptTokens: 12, completionTokens: 80, ttftMs: 140, durationMs: 900 });
 * await usage.close();
 */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const { store } = options;
  const onError = options.onError ?? (() => {});
  const batchSize = options.batchSize ?? 200;
  const maxQueuedRows = options.maxQueuedRows ?? 20_000;
  const metrics = gatewayMetrics(options.metrics);
  const insert = createUsageBatchInsert(store);
  const aliases = new BoundedLabel();
  const deployments = new BoundedLabel();
  const errorTypes = new BoundedLabel(50);
  // Bounded like the labels it is keyed by (BoundedLabel folds the rest into `other`).
  const seriesByDeployment = new Map<string, DeploymentSeries>();
  let queue: UsageRow[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let flushQueued = false;
  let closed = false;
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1_000);
  timer.unref();

  function observe(row: UsageRow): void {
    const alias = aliases.value(row.alias);
    const deployment = deployments.value(row.deployment);
    const key = `${alias}\u0000${deployment}`;
    let series = seriesByDeployment.get(key);
    if (!series) {
      series = new DeploymentSeries(metrics, alias, deployment);
      seriesByDeployment.set(key, series);
    }
    series.requestsFor(row.status, row.cache).value += 1;
    series.duration.observe(row.duration_ms / 1000);
    if (row.ttft_ms !== null) series.ttft.observe(row.ttft_ms / 1000);
    if (row.prompt_tokens > 0) series.promptTokens.value += row.prompt_tokens;
    if (row.completion_tokens > 0) series.completionTokens.value += row.completion_tokens;
  }

  function flush(): Promise<void> {
    if (flushQueued) return flushing;
    flushQueued = true;
    flushing = flushing.then(async () => {
      flushQueued = false;
      while (queue.length > 0) {
        const batch = queue.slice(0, batchSize);
        try {
          await insert(batch);
          queue = queue.slice(batch.length);
        } catch (error) {
          // Kept for the next flush; the queue's cap bounds memory while the store is away.
          onError(error);
          return;
        }
      }
    });
    return flushing;
  }

  return {
    record(record) {
      if (closed) return;
      try {
        const row = toRow(record);
        observe(row);
        queue.push(row);
        if (queue.length > maxQueuedRows) {
          const dropped = queue.length - maxQueuedRows;
          queue = queue.slice(dropped);
          onError(new Error(`Usage queue full: dropped the ${dropped} oldest rows`));
        }
        if (queue.length >= batchSize) void flush();
      } catch (error) {
        onError(error);
      }
    },

    recordUpstreamError(deploymentId, type) {
      metrics.upstreamErrors.inc({
        deployment: deployments.value(deploymentId),
        type: errorTypes.value(type),
      });
    },

    flush,

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}

/** A row from a record, made safe to insert whatever the caller passed (the request never sees a failure here). */
function toRow(record: UsageRecord): UsageRow {
  const promptTokens = count(record.promptTokens);
  const completionTokens = count(record.completionTokens);
  const ttft = record.ttftMs === null || record.ttftMs === undefined ? null : count(record.ttftMs);
  return {
    id: newRowId("usage"),
    workspace_id: record.workspaceId,
    api_key_id: record.apiKeyId ?? null,
    request_id: text(record.requestId),
    alias: text(record.alias) ?? "unknown",
    deployment: text(record.deployment),
    provider: text(record.provider),
    model: text(record.model),
    endpoint: usageEndpoints.includes(record.endpoint) ? record.endpoint : "chat",
    stream: record.stream ? 1 : 0,
    cache: cacheOutcomes.includes(record.cache) ? record.cache : "none",
    status: count(record.status),
    error_type: text(record.errorType),
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    ttft_ms: ttft,
    duration_ms: count(record.durationMs),
    cost: usageCost(record.pricing, promptTokens, completionTokens),
    created_at: createdAt(record.startedAt),
  };
}

function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.min(Math.round(value), 2_147_483_647) : 0;
}

function text(value: string | null | undefined): string | null {
  if (typeof value !== "string" || value === "") return null;
  return value.length > 256 ? value.slice(0, 256) : value;
}

let lastMs = Number.NaN;
let lastIso = "";

/** ISO-8601 text of the start, or of now; now's text is made once per millisecond (rows come in bursts). */
function createdAt(startedAt: Date | undefined): string {
  if (startedAt instanceof Date && !Number.isNaN(startedAt.getTime())) return startedAt.toISOString();
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
