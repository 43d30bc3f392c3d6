import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore, type Store } from "@nexus/core";
import {
  createGateway,
  createLocalProvider,
  type Gateway,
  type GatewayCallRecord,
  type LocalProvider,
} from "@nexus/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStoreOptions, tempDir } from "../../core/src/testing/test-databases.ts";
import { BrowserError } from "./browser-error.ts";
import { type BrowserService, createBrowserService } from "./browser-service.ts";
import { updateBrowserSettings } from "./browser-settings.ts";
import { startTestSites, type TestSites } from "./testing/test-sites.ts";

/**
 * The real path end to end with the machine's GGUF model: Stagehand → the gateway → node-llama-cpp,
 * with a JSON Schema grammar. The model has random weights, so what it answers is not asserted;
 * only that the call went the whole way and the outcome is a result or a clean error.
 */
const modelsDir = new URL("../../../../shared/models", import.meta.url).pathname;

let store: Store;
let drop: () => Promise<void>;
let local: LocalProvider;
let gateway: Gateway;
let sites: TestSites;
let browser: BrowserService;
let workspaceId: string;
let data: { dir: string; cleanup: () => void };
const calls: GatewayCallRecord[] = [];

beforeAll(async () => {
  const database = freshStoreOptions("sqlite");
  drop = database.drop;
  store = await openStore(database.options);
  await ensureDefaultWorkspaces(store.db);
  workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
  await updateBrowserSettings(store.db, workspaceId, { allowUrls: ["127.0.0.1"], maxDurationMs: 60_000 });
  local = createLocalProvider({ modelsDir, threads: 1, sequencesPerModel: 1, contextSize: 4096 });
  gateway = createGateway({ providers: [local], onCall: (record) => calls.push(record) });
  sites = await startTestSites();
  data = tempDir("nexus-browser-gguf-");
  browser = createBrowserService({
    db: store.db,
    gateway,
    dataDir: data.dir,
    defaultModel: "local/llama-2-tiny-random",
  });
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await local?.close();
  await sites?.close();
  await store?.close();
  await drop?.();
  data?.cleanup();
});

describe("a local GGUF model behind Stagehand", () => {
  it("carries act from Stagehand through the gateway to llama.cpp and back", {
    timeout: 90_000,
  }, async () => {
    const context = { workspaceId, apiKeyId: null, signal: new AbortController().signal };
    const session = await browser.openSession(context, { url: `${sites.origin}/shop` });
    const outcome = await browser
      .act(context, session.id, { instruction: "click the Checkout button" })
      .then((report) => ({ ok: true as const, report }))
      .catch((error: unknown) => ({ ok: false as const, error }));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toMatchObject({ endpoint: "chat", alias: "local/llama-2-tiny-random" });
    expect(calls[0]?.context.workspaceId).toBe(workspaceId);
    expect(calls[0]?.deployment?.provider).toBe("local");
    if (outcome.ok) {
      expect(outcome.report.usage.calls).toBeGreaterThan(0);
    } else {
      // Random weights: a clean, typed error naming what went wrong, never a crash or a hang.
      expect(outcome.error).toBeInstanceOf(BrowserError);
      expect((outcome.error as BrowserError).status).toBeGreaterThanOrEqual(400);
      expect((outcome.error as BrowserError).message.length).toBeGreaterThan(10);
    }
  });
});
