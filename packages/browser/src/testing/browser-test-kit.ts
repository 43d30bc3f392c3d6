import {
  type Database,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Store,
} from "@nexus/core";
import { createGateway, createOpenAICompatibleProvider, type Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import { freshStoreOptions, tempDir } from "../../../core/src/testing/test-databases.ts";
import { type BrowserService, type CallerContext, createBrowserService } from "../browser-service.ts";
import { updateBrowserSettings } from "../browser-settings.ts";
import {
  type ScriptedCall,
  type ScriptedModelServer,
  type ScriptStep,
  startScriptedModelServer,
} from "./scripted-model-server.ts";
import { startTestSites, type TestSites } from "./test-sites.ts";

/** Everything a browser test needs, real throughout: store, gateway, scripted model, sites, browsers. */
export interface BrowserTestKit {
  store: Store;
  db: Kysely<Database>;
  gateway: Gateway;
  model: ScriptedModelServer;
  sites: TestSites;
  browser: BrowserService;
  /** A workspace whose policy allow-lists 127.0.0.1 (the test sites). */
  workspaceId: string;
  /** A second workspace, for isolation checks (no allow list). */
  otherWorkspaceId: string;
  /** The service's data folder (its browsers' profiles and sessions live under it). */
  dir: string;
  context(workspaceId?: string): CallerContext;
  logs: string[];
  close(): Promise<void>;
}

export async function startBrowserTestKit(
  options: { maxSessions?: number; navigationTimeoutMs?: number } = {},
) {
  const database = freshStoreOptions("sqlite");
  const store = await openStore(database.options);
  await ensureDefaultWorkspaces(store.db);
  const workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
  const otherWorkspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
  await updateBrowserSettings(store.db, workspaceId, { allowUrls: ["127.0.0.1"] });
  const model = await startScriptedModelServer();
  const sites = await startTestSites();
  const gateway = createGateway({
    providers: [createOpenAICompatibleProvider({ id: "double", baseURL: model.baseURL })],
  });
  const { dir, cleanup } = tempDir("nexus-browser-");
  const logs: string[] = [];
  const browser = createBrowserService({
    db: store.db,
    gateway,
    dataDir: dir,
    defaultModel: `double/${model.model}`,
    maxSessions: options.maxSessions ?? 3,
    // 10 s: a local test page took over 2 s to load on a loaded 2-core CI machine.
    navigationTimeoutMs: options.navigationTimeoutMs ?? 10_000,
    log: (line) => logs.push(line.message),
  });
  const kit: BrowserTestKit = {
    store,
    db: store.db,
    gateway,
    model,
    sites,
    browser,
    workspaceId,
    otherWorkspaceId,
    dir,
    logs,
    context: (id = workspaceId) => ({
      workspaceId: id,
      apiKeyId: null,
      signal: new AbortController().signal,
    }),
    async close() {
      await browser.close();
      const leaked = await processesMentioning(dir);
      if (leaked.length) throw new Error(`Chromium left running after close: pids ${leaked.join(", ")}`);
      await gateway.close();
      await model.close();
      await sites.close();
      await store.close();
      await database.drop();
      cleanup();
    },
  };
  return kit;
}

/** A script step answering Stagehand's act request with the element on the matching tree line. */
export function actStep(line: RegExp, method: string, args: string[] = []): ScriptStep {
  return {
    kind: "act",
    reply: (call: ScriptedCall) => ({
      json: {
        action: {
          elementId: call.elementId(line),
          description: `${method} ${line.source}`,
          method,
          arguments: args,
        },
        twoStep: false,
      },
    }),
  };
}

/** Stagehand's extract makes two calls: the data, then whether it is complete. */
export function extractSteps(data: unknown): ScriptStep[] {
  return [
    { kind: "extract", reply: { json: data } },
    { kind: "metadata", reply: { json: { progress: "done", completed: true } } },
  ];
}

/** Live processes whose command line names every one of `texts` (a folder: a Chromium's profile). */
export async function processesMentioning(...texts: string[]): Promise<number[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const state = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // A zombie (state Z) has exited; only its parent's bookkeeping is left.
    const named = texts.every((text) => commandLine.includes(text));
    if (named && !/^\d+ \(.*\) Z/.test(state)) found.push(Number(entry));
  }
  return found;
}
