import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApiKey, getWorkspaceBySlug, loadConfig, type Role } from "@nexus/core";
import { type RunningNexus, startNexus } from "@nexus/server";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { testChromium } from "../../../packages/core/src/testing/test-chromium.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";

/**
 * A real Nexus (fresh SQLite store) serving a fresh build of the page, the OpenAI test double as
 * its upstream (models `double/test-chat`, `double/test-dribble` …), and headless Chromium.
 */
export const webDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const artifactsDirectory = path.join(webDirectory, "test", "artifacts");
export const sharedModelFile = path.resolve(webDirectory, "../../../shared/models/llama-2-tiny-random.gguf");

export interface WebHarness {
  nexus: RunningNexus;
  url: string;
  upstream: OpenAITestServer;
  browser: Browser;
  dataDirectory: string;
  /** A key of a workspace, with its id (the owner of the conversations it creates). */
  key(workspace?: string, role?: Role): Promise<{ key: string; id: string; workspaceId: string }>;
  /**
   * A page signed in with a fresh key (so a fresh owner: an empty sidebar), at the app. Page
   * errors and dialogs are collected: a test asserts there were none.
   */
  signedInPage(options?: PageOptions): Promise<SignedInPage>;
  close(): Promise<void>;
}

export interface PageOptions extends BrowserContextOptions {
  workspace?: string;
  role?: Role;
  /** The hash to open, e.g. `#/agents`. */
  at?: string;
}

export interface SignedInPage {
  page: Page;
  keyId: string;
  workspaceId: string;
  /** Uncaught page errors and dialogs (alert/confirm/prompt) seen so far. */
  problems: string[];
}

/** Builds the page into a directory of the test's own, so a test never serves a stale dist. */
export function buildPage(outDir: string): void {
  execFileSync("npx", ["vite", "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
    cwd: webDirectory,
    stdio: "pipe",
  });
}

export async function startWebHarness(options: { withLocalModel?: boolean } = {}): Promise<WebHarness> {
  const temporaryDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-web-chat-"));
  const webRoot = path.join(temporaryDirectory, "dist");
  buildPage(webRoot);
  const dataDirectory = path.join(temporaryDirectory, "data");
  if (options.withLocalModel) {
    fs.mkdirSync(path.join(dataDirectory, "models"), { recursive: true });
    fs.copyFileSync(sharedModelFile, path.join(dataDirectory, "models", "tiny.gguf"));
  }
  const upstream = await startOpenAITestServer();
  const config = loadConfig({
    NEXUS_PORT: "0",
    NEXUS_DATA_DIR: dataDirectory,
    NEXUS_LOG_LEVEL: "silent",
    NEXUS_DISCOVERY_PORTS: "off",
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "double", baseURL: upstream.baseURL }]),
  } as NodeJS.ProcessEnv);
  const nexus = await startNexus(config, { webRoot });
  const browser = await chromium.launch(testChromium);
  fs.mkdirSync(artifactsDirectory, { recursive: true });
  const { db } = nexus.dependencies.store;

  const key: WebHarness["key"] = async (workspace = "agentx", role = "admin") => {
    const { id: workspaceId } = await getWorkspaceBySlug(db, workspace);
    const created = await createApiKey(db, { workspaceId, role });
    return { key: created.key, id: created.info.id, workspaceId };
  };

  return {
    nexus,
    url: nexus.url,
    upstream,
    browser,
    dataDirectory,
    key,
    async signedInPage({ workspace, role, at = "", ...contextOptions } = {}) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 860 }, ...contextOptions });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: nexus.url });
      const page = await context.newPage();
      // A wait that fails names what it waited for, well before the test's own timeout.
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("dialog", (dialog) => {
        problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
        // Deletes ask to confirm; anything else would be an injected alert.
        void (dialog.type() === "confirm" ? dialog.accept() : dialog.dismiss());
      });
      const signedIn = await key(workspace, role);
      const answer = await page.request.post(`${nexus.url}/api/sessions`, { data: { key: signedIn.key } });
      if (answer.status() !== 201)
        throw new Error(`sign-in failed: ${answer.status()} ${await answer.text()}`);
      await page.goto(`${nexus.url}/${at}`);
      return { page, keyId: signedIn.id, workspaceId: signedIn.workspaceId, problems };
    },
    async close() {
      await browser.close();
      await nexus.stop();
      await upstream.close();
      fs.rmSync(temporaryDirectory, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page as a test artifact (apps/web/test/artifacts, not committed). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifactsDirectory, `${name}.png`) });
}

/** Problems other than the confirm dialogs a test answered on purpose. */
export function unexpectedProblems(problems: string[]): string[] {
  return problems.filter((problem) => !problem.startsWith("dialog confirm:"));
}
