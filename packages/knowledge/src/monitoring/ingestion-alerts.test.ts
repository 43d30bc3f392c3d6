import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import { startTestKnowledge, type TestKnowledge } from "../testing/test-knowledge.ts";
import type { IngestionAlert } from "./ingestion-alerts.ts";

describe("ingestion alerts", () => {
  let knowledge: TestKnowledge;
  let receiver: http.Server;
  const received: IngestionAlert[] = [];
  let webhookUrl: string;

  beforeAll(async () => {
    receiver = http.createServer((request, response) => {
      let body = "";
      request.on("data", (part) => {
        body += part;
      });
      request.on("end", () => {
        received.push(JSON.parse(body) as IngestionAlert);
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
    knowledge = await startTestKnowledge("sqlite", { allowedPrivateHosts: ["127.0.0.1"] });
  });
  afterAll(async () => {
    await knowledge?.close();
    receiver?.close();
  });

  const waitFor = async (predicate: () => boolean) => {
    for (let tries = 0; tries < 200 && !predicate(); tries++)
      await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it("posts to the webhook when failures reach the threshold, once per cooldown", async () => {
    await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, {
      name: "watched",
      settings: { alerts: { webhookUrl, maxFailures: 2 } },
    });
    const add = (name: string, data: Buffer) =>
      knowledge.service.addDocument(knowledge.workspaceId, "watched", { name, data, source: "file" });
    await knowledge.settle((await add("one.txt", Buffer.from([0, 1, 2]))).document.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(0);
    await knowledge.settle((await add("two.txt", Buffer.from([0, 1, 3]))).document.id);
    await waitFor(() => received.length > 0);
    expect(received).toEqual([
      expect.objectContaining({
        alert: "knowledge_ingestion_failures",
        knowledgeBaseName: "watched",
        value: 2,
        threshold: 2,
      }),
    ]);
    await knowledge.settle((await add("three.txt", Buffer.from([0, 1, 4]))).document.id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(received).toHaveLength(1);
  });

  it("posts when a document takes longer than the lag threshold", async () => {
    await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, {
      name: "slow",
      settings: { alerts: { webhookUrl, maxLagSeconds: 0 } },
    });
    const { document } = await knowledge.service.addDocument(knowledge.workspaceId, "slow", {
      name: "a.txt",
      data: Buffer.from("Laminar flow"),
      source: "text",
    });
    await knowledge.settle(document.id, "ready");
    await waitFor(() => received.some((alert) => alert.alert === "knowledge_ingestion_lag"));
    const alert = received.find((item) => item.alert === "knowledge_ingestion_lag");
    expect(alert?.value).toBeGreaterThan(0);
    expect(alert?.message).toMatch(/to become searchable/);
  });

  it("refuses a webhook URL that is not http(s)", async () => {
    await expect(
      createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, {
        name: "bad",
        settings: { alerts: { webhookUrl: "ftp://x/y", maxFailures: 1 } },
      }),
    ).rejects.toThrow(/http\(s\) URL/);
  });
});
