import { createMetrics, getWorkspaceBySlug, NexusError, type Store } from "@nexus/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFreshStore } from "../../../core/src/testing/test-databases.ts";
import { listUsage, queryUsage } from "./usage-query.ts";
import type { UsageRecord } from "./usage-record.ts";
import { createUsageRecorder } from "./usage-recorder.ts";

const day1 = Date.UTC(2025, 2, 1, 10, 0, 0);
const day2 = Date.UTC(2025, 2, 2, 10, 0, 0);

for (const storeKind of ["sqlite", "postgres"] as const) {
  describe(`usage queries on ${storeKind}`, () => {
    let store: Store;
    let closeStore: () => Promise<void>;
    let workspaceId: string;
    let otherWorkspaceId: string;

    beforeEach(async () => {
      ({ store, close: closeStore } = await openFreshStore(storeKind));
      workspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
      otherWorkspaceId = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
      const recorder = createUsageRecorder({ store, metrics: createMetrics() });
      const base: UsageRecord = {
        workspaceId,
        apiKeyId: "key_a",
        alias: "chat",
        deployment: "vllm/qwen",
        model: "qwen",
        endpoint: "chat",
        stream: true,
        cache: "miss",
        status: 200,
        promptTokens: 10,
        completionTokens: 20,
        durationMs: 0,
        pricing: { inputCostPerMillion: 1_000, outputCostPerMillion: 2_000 },
      };
      // Day 1: twenty chat requests with latencies 10..200 ms and first tokens at 1..20 ms.
      for (let index = 1; index <= 20; index++) {
        recorder.record({
          ...base,
          requestId: `chat-${index}`,
          durationMs: index * 10,
          ttftMs: index,
          startedAt: new Date(day1 + index * 1_000),
        });
      }
      // Day 2: five embeddings by another key, two of them failed, not streamed, no prices.
      for (let index = 1; index <= 5; index++) {
        recorder.record({
          ...base,
          requestId: `embed-${index}`,
          apiKeyId: null,
          alias: "embed",
          deployment: "local/nomic",
          model: "nomic",
          endpoint: "embeddings",
          stream: false,
          status: index <= 2 ? 502 : 200,
          errorType: index <= 2 ? "server_error" : null,
          promptTokens: 100,
          completionTokens: 0,
          durationMs: 1_000 * index,
          ttftMs: null,
          pricing: undefined,
          startedAt: new Date(day2 + index * 1_000),
        });
      }
      recorder.record({ ...base, workspaceId: otherWorkspaceId, requestId: "elsewhere", durationMs: 5 });
      await recorder.close();
    });

    afterEach(async () => {
      await closeStore();
    });

    it("totals requests, errors, tokens, cost and latency percentiles for one workspace", async () => {
      const { totals, groups } = await queryUsage(store, workspaceId);
      expect(groups).toBeUndefined();
      expect(totals).toMatchObject({ requests: 25, errors: 2, promptTokens: 700, completionTokens: 400 });
      // 20 × (10 × $1 000 + 20 × $2 000) / 1e6
      expect(totals.cost).toBeCloseTo(1, 10);
      // Nearest rank over 10, 20 … 200 and 1 000 … 5 000: the 13th and 24th of 25 values.
      expect(totals.latencyMs).toEqual({ p50: 130, p95: 4_000 });
      expect(totals.ttftMs).toEqual({ p50: 10, p95: 19 });
    });

    it("groups by alias, deployment, key, model and UTC day", async () => {
      const byAlias = await queryUsage(store, workspaceId, { groupBy: "alias" });
      expect(byAlias.groups?.map((group) => [group.key, group.requests, group.errors])).toEqual([
        ["chat", 20, 0],
        ["embed", 5, 2],
      ]);
      expect(byAlias.groups?.[1]).toMatchObject({
        latencyMs: { p50: 3_000, p95: 5_000 },
        ttftMs: null,
        cost: 0,
      });
      const byDeployment = await queryUsage(store, workspaceId, { groupBy: "deployment" });
      expect(byDeployment.groups?.map((group) => group.key)).toEqual(["vllm/qwen", "local/nomic"]);
      const byKey = await queryUsage(store, workspaceId, { groupBy: "key" });
      expect(byKey.groups?.map((group) => [group.key, group.requests])).toEqual([
        ["key_a", 20],
        ["", 5],
      ]);
      const byModel = await queryUsage(store, workspaceId, { groupBy: "model", limit: 1 });
      expect(byModel.groups?.map((group) => group.key)).toEqual(["qwen"]);
      const byDay = await queryUsage(store, workspaceId, { groupBy: "day" });
      expect(byDay.groups?.map((group) => [group.key, group.requests, group.promptTokens])).toEqual([
        ["2025-03-01", 20, 200],
        ["2025-03-02", 5, 500],
      ]);
    });

    it("limits totals to a time range and answers zeros for an empty one", async () => {
      const second = await queryUsage(store, workspaceId, {
        from: new Date(day2 - 3_600_000),
        to: "2025-03-03T00:00:00Z",
      });
      expect(second.totals).toMatchObject({ requests: 5, errors: 2 });
      const early = await queryUsage(store, workspaceId, { to: new Date(day1 + 5_500), groupBy: "alias" });
      expect(early.totals.requests).toBe(5);
      const empty = await queryUsage(store, workspaceId, { from: "2030-01-01T00:00:00Z", groupBy: "day" });
      expect(empty.totals).toEqual({
        requests: 0,
        errors: 0,
        promptTokens: 0,
        completionTokens: 0,
        cost: 0,
        latencyMs: null,
        ttftMs: null,
      });
      expect(empty.groups).toEqual([]);
    });

    it("pages through requests newest first with a cursor, never crossing workspaces", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listUsage(store, workspaceId, { limit: 10, cursor });
        seen.push(...page.data.map((row) => row.requestId ?? ""));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(25);
      expect(seen.slice(0, 2)).toEqual(["embed-5", "embed-4"]);
      expect(seen.at(-1)).toBe("chat-1");
      expect(seen).not.toContain("elsewhere");
      const [first] = (await listUsage(store, workspaceId, { limit: 1 })).data;
      expect(first).toMatchObject({
        alias: "embed",
        stream: false,
        status: 200,
        cost: null,
        ttftMs: null,
        durationMs: 5_000,
      });
      const ranged = await listUsage(store, workspaceId, { limit: 100, from: new Date(day2) });
      expect(ranged.data).toHaveLength(5);
    });

    it("rejects a forged cursor or an unreadable time with a 400", async () => {
      for (const attempt of [
        () => listUsage(store, workspaceId, { limit: 10, cursor: "not-a-cursor" }),
        () =>
          listUsage(store, workspaceId, { limit: 10, cursor: Buffer.from("[1,2]").toString("base64url") }),
        () => queryUsage(store, workspaceId, { from: "yesterday-ish" }),
      ]) {
        const error = await attempt().catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(NexusError);
        expect((error as NexusError).status).toBe(400);
      }
    });
  });
}
