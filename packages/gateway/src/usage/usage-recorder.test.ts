import { createMetrics, getWorkspaceBySlug, type Metrics, type Store } from "@nexus/core";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFreshStore } from "../../../core/src/testing/test-databases.ts";
import type { UsageRecord } from "./usage-record.ts";
import { createUsageRecorder } from "./usage-recorder.ts";

for (const storeKind of ["sqlite", "postgres"] as const) {
  describe(`usage recorder on ${storeKind}`, () => {
    let store: Store;
    let closeStore: () => Promise<void>;
    let metrics: Metrics;
    let workspaceId: string;

    beforeEach(async () => {
      ({ store, close: closeStore } = await openFreshStore(storeKind));
      workspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
      metrics = createMetrics();
    });
    afterEach(async () => {
      await closeStore();
    });

    const request = (overrides: Partial<UsageRecord> = {}): UsageRecord => ({
      workspaceId,
      apiKeyId: "key_a",
      requestId: "req_1",
      alias: "chat",
      deployment: "vllm/qwen",
      provider: "vllm",
      model: "qwen",
      endpoint: "chat",
      stream: true,
      cache: "miss",
      status: 200,
      promptTokens: 12,
      completionTokens: 30,
      ttftMs: 150,
      durationMs: 900,
      ...overrides,
    });

    const rowCount = async () =>
      Number(
        (await store.db.selectFrom("gateway_usage").select(sql<number>`count(*)`.as("n")).executeTakeFirst())
          ?.n,
      );

    it("inserts rows in batches off the request path and keeps every row through a graceful close", async () => {
      const recorder = createUsageRecorder({ store, metrics, flushIntervalMs: 60_000, batchSize: 200 });
      for (let index = 0; index < 450; index++) recorder.record(request({ requestId: `req_${index}` }));
      // Two full batches were started by the queue filling; the rest waits for the timer or close.
      await recorder.close();
      expect(await rowCount()).toBe(450);
      // req_7 went in with the first batch (SQL compiled), req_333 with the second (the same SQL
      // reused with new parameters), req_444 with the close's partial batch.
      for (const requestId of ["req_7", "req_333", "req_444"]) {
        const row = await store.db
          .selectFrom("gateway_usage")
          .selectAll()
          .where("request_id", "=", requestId)
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          workspace_id: workspaceId,
          api_key_id: "key_a",
          alias: "chat",
          deployment: "vllm/qwen",
          endpoint: "chat",
          cache: "miss",
          error_type: null,
          cost: null,
        });
        expect(row.id).toMatch(/^usage_[0-9a-z]{21}$/);
        expect(Number(row.stream)).toBe(1);
        expect(Number(row.status)).toBe(200);
        expect(Number(row.ttft_ms)).toBe(150);
      }
      const ids = await store.db.selectFrom("gateway_usage").select("id").execute();
      expect(new Set(ids.map((row) => row.id)).size).toBe(450);
      recorder.record(request({ requestId: "after-close" }));
      expect(await rowCount()).toBe(450);
    });

    it("prices a request from its deployment's costs per million tokens", async () => {
      const recorder = createUsageRecorder({ store, metrics });
      recorder.record(
        request({
          requestId: "priced",
          promptTokens: 1_000,
          completionTokens: 500,
          pricing: { inputCostPerMillion: 3, outputCostPerMillion: 15 },
        }),
      );
      recorder.record(
        request({ requestId: "input-only", promptTokens: 2_000_000, pricing: { inputCostPerMillion: 0.5 } }),
      );
      await recorder.close();
      const costs = await store.db
        .selectFrom("gateway_usage")
        .select(["request_id", "cost"])
        .orderBy("request_id")
        .execute();
      expect(costs.map((row) => [row.request_id, row.cost === null ? null : Number(row.cost)])).toEqual([
        ["input-only", 1],
        ["priced", 0.003 + 0.0075],
      ]);
    });

    it("exports Prometheus series labelled by alias and deployment, with bounded labels", async () => {
      const recorder = createUsageRecorder({ store, metrics });
      // A second recorder on the same registry shares the series instead of failing to register.
      const second = createUsageRecorder({ store, metrics });
      recorder.record(request());
      second.record(
        request({
          stream: false,
          ttftMs: null,
          status: 429,
          errorType: "rate_limit_error",
          completionTokens: 0,
        }),
      );
      recorder.record(request({ cache: "exact", deployment: null, promptTokens: 0, completionTokens: 0 }));
      recorder.recordUpstreamError("vllm/qwen", "timeout");
      recorder.recordUpstreamError("vllm/qwen", "timeout");
      for (let index = 0; index < 600; index++) recorder.record(request({ alias: `alias-${index}` }));
      await Promise.all([recorder.close(), second.close()]);
      const text = await metrics.registry.metrics();
      expect(text).toContain(
        'nexus_gateway_requests_total{alias="chat",deployment="vllm/qwen",status="200",cache="miss"} 1',
      );
      expect(text).toContain(
        'nexus_gateway_requests_total{alias="chat",deployment="vllm/qwen",status="429",cache="miss"} 1',
      );
      expect(text).toContain(
        'nexus_gateway_requests_total{alias="chat",deployment="none",status="200",cache="exact"} 1',
      );
      expect(text).toContain(
        'nexus_gateway_tokens_total{alias="chat",deployment="vllm/qwen",direction="prompt"} 24',
      );
      expect(text).toContain(
        'nexus_gateway_tokens_total{alias="chat",deployment="vllm/qwen",direction="completion"} 30',
      );
      expect(text).toContain('nexus_gateway_ttft_seconds_count{alias="chat",deployment="vllm/qwen"} 1');
      expect(text).toContain(
        'nexus_gateway_request_duration_seconds_count{alias="chat",deployment="vllm/qwen"} 2',
      );
      expect(text).toContain('nexus_gateway_upstream_errors_total{deployment="vllm/qwen",type="timeout"} 2');
      const aliases = new Set(
        [...text.matchAll(/nexus_gateway_requests_total\{alias="([^"]+)"/g)].map((match) => match[1]),
      );
      // 500 distinct values at most per recorder ("chat" and 499 others), then "other".
      expect(aliases.size).toBe(501);
      expect(aliases).toContain("other");
    });

    it("never throws at the caller for nonsense input and stores safe values", async () => {
      const errors: unknown[] = [];
      const recorder = createUsageRecorder({ store, metrics, onError: (error) => errors.push(error) });
      expect(() =>
        recorder.record({
          ...request(),
          requestId: "odd",
          alias: "",
          endpoint: "telepathy" as UsageRecord["endpoint"],
          cache: "maybe" as UsageRecord["cache"],
          promptTokens: Number.NaN,
          completionTokens: -4,
          ttftMs: Number.POSITIVE_INFINITY,
          durationMs: 1e15,
          model: "m".repeat(10_000),
          startedAt: new Date("not a date"),
        }),
      ).not.toThrow();
      await recorder.close();
      const row = await store.db.selectFrom("gateway_usage").selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ alias: "unknown", endpoint: "chat", cache: "none" });
      expect([Number(row.prompt_tokens), Number(row.completion_tokens), Number(row.ttft_ms)]).toEqual([
        0, 0, 0,
      ]);
      expect(Number(row.duration_ms)).toBe(2_147_483_647);
      expect(row.model).toHaveLength(256);
      expect(Date.parse(row.created_at)).not.toBeNaN();
      expect(errors).toEqual([]);
    });

    it("keeps rows queued while the store refuses them and inserts them once it is back", async () => {
      const errors: unknown[] = [];
      const recorder = createUsageRecorder({
        store,
        metrics,
        flushIntervalMs: 60_000,
        onError: (error) => errors.push(error),
      });
      await sql`alter table gateway_usage rename to gateway_usage_away`.execute(store.db);
      recorder.record(request({ requestId: "while-away" }));
      await recorder.flush();
      expect(errors.length).toBe(1);
      await sql`alter table gateway_usage_away rename to gateway_usage`.execute(store.db);
      recorder.record(request({ requestId: "after" }));
      await recorder.close();
      expect(await rowCount()).toBe(2);
    });
  });
}
