import dns from "node:dns/promises";
import { isIP } from "node:net";
import type { Database, Logger } from "@nexus/core";
import type { Kysely } from "kysely";
import { isPrivateAddress } from "../ingestion/url-import.ts";
import { getKnowledgeBase } from "../store/knowledge-base-store.ts";

export interface IngestionAlert {
  alert: "knowledge_ingestion_lag" | "knowledge_ingestion_failures";
  knowledgeBaseId: string;
  knowledgeBaseName: string;
  workspaceId: string;
  /** What passed the threshold: seconds of lag, or failed documents. */
  value: number;
  threshold: number;
  message: string;
  at: string;
}

export interface IngestionAlertsOptions {
  db: Kysely<Database>;
  logger?: Logger;
  /** Hosts a webhook may reach on a private address (as for URL import). */
  allowedPrivateHosts?: readonly string[];
}

/**
 * Evaluates each knowledge base's alert rules (settings.alerts) as documents are indexed or fail,
 * and posts an alert to the rule's webhook, at most once per rule per cooldown. Delivery is best
 * effort (5 s timeout, logged on failure): alerting must never hold up ingestion.
 */
export function createIngestionAlerts(options: IngestionAlertsOptions) {
  const lastFired = new Map<string, number>();

  async function deliver(url: string, alert: IngestionAlert): Promise<void> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, "");
    const named = (options.allowedPrivateHosts ?? []).some((entry) =>
      [host, `${host}:${target.port}`].includes(entry.trim().toLowerCase()),
    );
    const addresses = isIP(host)
      ? [host]
      : (await dns.lookup(host, { all: true })).map((entry) => entry.address);
    if (!named && addresses.some(isPrivateAddress))
      throw new Error(`webhook ${target.host} is a private address`);
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alert),
      redirect: "error",
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
  }

  async function fire(
    knowledgeBaseId: string,
    rule: IngestionAlert["alert"],
    value: number,
    make: (threshold: number) => string,
  ) {
    const row = await options.db
      .selectFrom("knowledge_bases")
      .select(["workspace_id"])
      .where("id", "=", knowledgeBaseId)
      .executeTakeFirst();
    if (!row) return;
    const base = await getKnowledgeBase(options.db, row.workspace_id, knowledgeBaseId);
    const alerts = base.settings.alerts;
    if (!alerts) return;
    const threshold = rule === "knowledge_ingestion_lag" ? alerts.maxLagSeconds : alerts.maxFailures;
    if (threshold === undefined) return;
    const passed = rule === "knowledge_ingestion_lag" ? value > threshold : value >= threshold;
    if (!passed) return;
    const key = `${knowledgeBaseId}:${rule}`;
    const now = Date.now();
    if (now - (lastFired.get(key) ?? Number.NEGATIVE_INFINITY) < alerts.cooldownSeconds * 1000) return;
    lastFired.set(key, now);
    const alert: IngestionAlert = {
      alert: rule,
      knowledgeBaseId,
      knowledgeBaseName: base.name,
      workspaceId: base.workspaceId,
      value,
      threshold,
      message: make(threshold),
      at: new Date(now).toISOString(),
    };
    await deliver(alerts.webhookUrl, alert).catch((error) =>
      options.logger?.warn({ err: error, alert: rule, knowledgeBaseId }, "knowledge alert not delivered"),
    );
  }

  return {
    /** A document became searchable `lagSeconds` after its change. */
    indexed: (knowledgeBaseId: string, lagSeconds: number) =>
      fire(
        knowledgeBaseId,
        "knowledge_ingestion_lag",
        lagSeconds,
        (threshold) =>
          `a document took ${lagSeconds.toFixed(1)} s to become searchable (threshold ${threshold} s)`,
      ),
    /** A document of the knowledge base failed. */
    async failed(knowledgeBaseId: string) {
      const { count } = await options.db
        .selectFrom("knowledge_documents")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("knowledge_base_id", "=", knowledgeBaseId)
        .where("status", "=", "failed")
        .executeTakeFirstOrThrow();
      await fire(
        knowledgeBaseId,
        "knowledge_ingestion_failures",
        Number(count),
        (threshold) => `${count} documents failed to index (threshold ${threshold})`,
      );
    },
  };
}
