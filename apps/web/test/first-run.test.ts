import fs from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "@nexus/core";
import { discoverLocalServers, type LocalServerCandidate } from "@nexus/gateway";
import { type RunningNexus, startNexus } from "@nexus/server";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testChromium } from "../../../packages/core/src/testing/test-chromium.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { discoveryRoutes } from "../../server/src/routes/discovery-routes.ts";
import { buildPage, sharedModelFile } from "./web-harness.ts";

// The first-run screen in real headless Chromium against a real server with no model.
// Until app.ts registers discoveryRoutes (the lead's wiring), the page's discovery and catalog
// calls are forwarded to a second real server running exactly those routes, which probes real
// OpenAI-speaking servers on ephemeral ports (never the well-known ones).

let temporaryDirectory: string;
let nexus: RunningNexus;
let discovery: FastifyInstance;
let discoveryOrigin: string;
let browser: Browser;
const localServers: OpenAITestServer[] = [];
const candidates: LocalServerCandidate[] = [];
const savedDiscoveryPorts = process.env.NEXUS_DISCOVERY_PORTS;

beforeAll(async () => {
  temporaryDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-first-run-"));
  const webRoot = path.join(temporaryDirectory, "dist");
  buildPage(webRoot);
  // The server under test must not find models on this machine's well-known ports.
  process.env.NEXUS_DISCOVERY_PORTS = "off";
  const config = loadConfig({
    NEXUS_PORT: "0",
    NEXUS_DATA_DIR: path.join(temporaryDirectory, "data"),
    NEXUS_LOG_LEVEL: "silent",
  } as NodeJS.ProcessEnv);
  nexus = await startNexus(config, { webRoot });

  const ollama = await startOpenAITestServer({
    models: { "llama3.2:1b": {}, "nomic-embed-text:latest": {} },
  });
  localServers.push(ollama);
  candidates.push({ id: "ollama", port: Number(new URL(ollama.baseURL).port) });
  discovery = Fastify();
  discovery.setValidatorCompiler(validatorCompiler);
  discovery.setSerializerCompiler(serializerCompiler);
  await discovery.register(
    discoveryRoutes({ discover: () => discoverLocalServers({ candidates: [...candidates] }) }),
  );
  await discovery.listen({ port: 0, host: "127.0.0.1" });
  discoveryOrigin = `http://127.0.0.1:${(discovery.server.address() as net.AddressInfo).port}`;

  browser = await chromium.launch(testChromium);
});

afterAll(async () => {
  await browser?.close();
  await discovery?.close();
  await nexus?.stop();
  for (const server of localServers) await server.close();
  if (savedDiscoveryPorts === undefined) delete process.env.NEXUS_DISCOVERY_PORTS;
  else process.env.NEXUS_DISCOVERY_PORTS = savedDiscoveryPorts;
  if (temporaryDirectory) fs.rmSync(temporaryDirectory, { recursive: true, force: true });
});

/** Signed in to nexus-os by a login link, in a context that may use the clipboard. */
async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: nexus.url });
  const page = await context.newPage();
  await page.route(/\/api\/gateway\/(discovery|catalog)$/, async (route) => {
    const { pathname } = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${discoveryOrigin}${pathname}` }) });
  });
  await page.goto(`${nexus.url}/#login=${nexus.loginCodes.issue("nexus-os")}`);
  return page;
}

describe("first-run screen", () => {
  it("shows what discovery found, the catalog's pull commands, and a provider form", async () => {
    const page = await signedInPage();
    await page.getByRole("heading", { name: "Add a model" }).waitFor();

    const ollama = page.locator('[data-server="ollama"]');
    await ollama.waitFor();
    expect(await ollama.locator(".server-name").textContent()).toBe("Ollama");
    expect(await ollama.locator("code").textContent()).toBe(localServers[0]?.baseURL);
    expect(await ollama.locator(".server-models").textContent()).toBe("llama3.2:1b, nomic-embed-text:latest");

    // A vLLM starts: scanning again finds it.
    const vllm = await startOpenAITestServer({ models: { "Qwen/Qwen2.5-1.5B-Instruct": {} } });
    localServers.push(vllm);
    candidates.push({ id: "vllm", port: Number(new URL(vllm.baseURL).port) });
    await page.getByRole("button", { name: "Scan again" }).click();
    await page.locator('[data-server="vllm"]', { hasText: "Qwen/Qwen2.5-1.5B-Instruct" }).waitFor();

    // The suggested models, each with the exact command and a copy button that copies it.
    const chat = page.locator('[data-model="qwen2.5-0.5b-instruct"]');
    expect(await chat.locator("code.command").textContent()).toBe("nexus models pull qwen2.5-0.5b-instruct");
    expect(await page.locator('[data-model="nomic-embed-text-v1.5"] code.command').textContent()).toBe(
      "nexus models pull nomic-embed-text-v1.5",
    );
    expect(await page.locator(".catalog-list li").count()).toBe(2);
    await chat.getByRole("button", { name: "Copy: nexus models pull qwen2.5-0.5b-instruct" }).click();
    await chat.getByRole("button", { name: /Copy:/ }).filter({ hasText: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      "nexus models pull qwen2.5-0.5b-instruct",
    );
    await page.getByRole("button", { name: "Show all 11" }).click();
    expect(await page.locator(".catalog-list li").count()).toBe(11);

    // A bad provider: the form shows the server's own error message, whatever it is.
    const bad = { id: "gpu", kind: "openai-compatible", baseURL: "not a url" };
    const answer = await page.request.post(`${nexus.url}/api/gateway/providers`, { data: bad });
    expect(answer.status()).toBeGreaterThanOrEqual(400);
    expect(answer.status()).toBeLessThan(500);
    const { error } = (await answer.json()) as { error: { message: string } };
    await page.getByLabel("Name").fill(bad.id);
    await page.getByLabel("Base URL").fill(bad.baseURL);
    await page.getByRole("button", { name: "Add provider" }).click();
    const alert = page.locator(".provider-form [role=alert]");
    await alert.waitFor();
    expect(await alert.textContent()).toBe(error.message);
    await page.screenshot({ path: "/tmp/nexus-first-run.png", fullPage: true });
    await page.context().close();
  });

  it("gives way to the model list once a model is there", async () => {
    const page = await signedInPage();
    await page.getByRole("heading", { name: "Add a model" }).waitFor();
    const modelsDir = path.join(temporaryDirectory, "data", "models");
    fs.mkdirSync(modelsDir, { recursive: true });
    fs.copyFileSync(sharedModelFile, path.join(modelsDir, "tiny.gguf"));
    await page.getByRole("button", { name: "Check again" }).click();
    // The chat takes its place, with the model chosen.
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(await page.getByRole("combobox", { name: "Model" }).inputValue()).toBe("local/tiny");
    expect(await page.getByRole("heading", { name: "Add a model" }).count()).toBe(0);
    await page.goto(`${nexus.url}/#/settings/models`);
    await page.locator(".model-id", { hasText: "local/tiny" }).waitFor();
    await page.context().close();
  });
});
