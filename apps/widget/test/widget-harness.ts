import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApiKey, getWorkspaceBySlug, loadConfig } from "@nexus/core";
import { type RunningNexus, startNexus } from "@nexus/server";
import { type Browser, chromium } from "playwright-core";
import { testChromium } from "../../../packages/core/src/testing/test-chromium.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";

const widgetDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Screenshots go with the web app's (ignored by git there). */
export const artifactsDirectory = path.resolve(widgetDirectory, "../web/test/artifacts");

/** A site somewhere else: a plain HTML page on its own localhost port, as any site would host it. */
export interface ForeignSite {
  origin: string;
  /** Serves `html` at `pathname`. */
  page(pathname: string, html: string): string;
  close(): Promise<void>;
}

export async function startForeignSite(): Promise<ForeignSite> {
  const pages = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    const html = pages.get((request.url ?? "/").split("?")[0] ?? "/");
    response.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    response.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    page(pathname, html) {
      pages.set(pathname, html);
      return `${origin}${pathname}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface WidgetHarness {
  nexus: RunningNexus;
  upstream: OpenAITestServer;
  browser: Browser;
  /** An admin key of the `agentx` workspace. */
  adminKey: string;
  /** fetch against Nexus with the admin key. */
  admin(pathname: string, json?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Builds the script where `npm run prepare` puts it (the server serves it from there), and
 * starts Nexus (fresh SQLite) with the OpenAI test double upstream, and headless Chromium.
 */
export async function startWidgetHarness(): Promise<WidgetHarness> {
  execFileSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: widgetDirectory, stdio: "pipe" });
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-widget-"));
  const upstream = await startOpenAITestServer();
  const config = loadConfig({
    NEXUS_PORT: "0",
    NEXUS_DATA_DIR: dataDirectory,
    NEXUS_LOG_LEVEL: "silent",
    NEXUS_DISCOVERY_PORTS: "off",
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "double", baseURL: upstream.baseURL }]),
  } as NodeJS.ProcessEnv);
  const nexus = await startNexus(config);
  const browser = await chromium.launch(testChromium);
  fs.mkdirSync(artifactsDirectory, { recursive: true });
  const { db } = nexus.dependencies.store;
  const { id: workspaceId } = await getWorkspaceBySlug(db, "agentx");
  const adminKey = (await createApiKey(db, { workspaceId, role: "admin" })).key;
  return {
    nexus,
    upstream,
    browser,
    adminKey,
    admin: (pathname, json) =>
      fetch(`${nexus.url}${pathname}`, {
        method: json === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
      }),
    async close() {
      await browser.close();
      await nexus.stop();
      await upstream.close();
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    },
  };
}
