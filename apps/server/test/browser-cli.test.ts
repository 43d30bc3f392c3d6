import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actStep, extractSteps } from "../../../packages/browser/src/testing/browser-test-kit.ts";
import {
  type ScriptedModelServer,
  startScriptedModelServer,
} from "../../../packages/browser/src/testing/scripted-model-server.ts";
import { startTestSites, type TestSites } from "../../../packages/browser/src/testing/test-sites.ts";
import { tempDir } from "../../../packages/core/src/testing/test-databases.ts";
import { runCli } from "../../cli/test/run-cli.ts";
import { startTestServer } from "./test-server.ts";

let model: ScriptedModelServer;
let sites: TestSites;
let data: { dir: string; cleanup: () => void };
let env: Record<string, string>;

beforeAll(async () => {
  model = await startScriptedModelServer();
  sites = await startTestSites();
  data = tempDir("nexus-browse-cli-");
  env = {
    NEXUS_DATA_DIR: data.dir,
    NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "double", baseURL: model.baseURL }]),
    NEXUS_BROWSER_MODEL: "double/browser-test",
  };
});
afterAll(async () => {
  await model?.close();
  await sites?.close();
  data?.cleanup();
});

describe("nexus browse", { timeout: 120_000 }, () => {
  it("refuses a private URL until the workspace allow-lists it, then acts, and a second process replays from the cache", async () => {
    const blocked = await runCli(["browse", "act", "click Checkout", "--url", `${sites.origin}/shop`], env);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toMatch(/url_blocked: .*private network address/);

    const settings = await runCli(["browse", "settings", "--allow", "127.0.0.1"], env);
    expect(settings.code).toBe(0);
    expect(JSON.parse(settings.stdout)).toMatchObject({ allowUrls: ["127.0.0.1"] });

    model.load([actStep(/button: Checkout/, "click")]);
    const acted = await runCli(["browse", "act", "click Checkout", "--url", `${sites.origin}/shop`], env);
    expect(acted.stderr).toBe("");
    expect(acted.code).toBe(0);
    expect(JSON.parse(acted.stdout)).toMatchObject({ result: { cached: false }, usage: { calls: 1 } });

    // The cache lives in the workspace's store: a second process replays it.
    const again = await runCli(["browse", "act", "click Checkout", "--url", `${sites.origin}/shop`], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: { cached: true }, usage: { calls: 0 } });
  });

  // Four CLI processes, each starting Chromium: more time than the others on a loaded machine.
  it("extracts into a schema, observes and runs the agent from the command line", {
    timeout: 300_000,
  }, async () => {
    expect((await runCli(["browse", "settings", "--allow", "127.0.0.1"], env)).code).toBe(0);
    const schema = JSON.stringify({
      type: "object",
      properties: { products: { type: "array", items: { type: "string" } } },
      required: ["products"],
    });
    model.load(extractSteps({ products: ["Yellow Lamp", "Blue Mug"] }));
    const extracted = await runCli(
      ["browse", "extract", "every product name", "--url", `${sites.origin}/shop`, "--schema", schema],
      env,
    );
    expect(extracted.stderr).toBe("");
    expect(extracted.code).toBe(0);
    expect(JSON.parse(extracted.stdout)).toMatchObject({
      result: { products: ["Yellow Lamp", "Blue Mug"] },
      usage: { calls: 2 },
    });
    expect(JSON.stringify(model.calls.at(-2))).toContain("every product name");

    model.load([
      {
        kind: "observe",
        reply: (call) => ({
          json: {
            elements: [
              {
                elementId: call.elementId(/button: Checkout/),
                description: "checkout",
                method: "click",
                arguments: [],
              },
            ],
          },
        }),
      },
    ]);
    const observed = await runCli(
      ["browse", "observe", "the checkout button", "--url", `${sites.origin}/shop`],
      env,
    );
    expect(observed.stderr).toBe("");
    expect(observed.code).toBe(0);
    expect(JSON.parse(observed.stdout).result).toEqual([
      expect.objectContaining({
        description: "checkout",
        method: "click",
        selector: expect.stringMatching(/^xpath=/),
      }),
    ]);

    model.load([
      { kind: "agent", reply: { toolCalls: [{ name: "act", arguments: { action: "click Empty cart" } }] } },
      actStep(/button: Empty cart/, "click"),
      { kind: "agent", reply: { text: "Emptied." } },
      {
        kind: "agent",
        reply: { toolCalls: [{ name: "done", arguments: { reasoning: "done", taskComplete: true } }] },
      },
    ]);
    const agent = await runCli(
      ["browse", "agent", "empty the cart from the cli", "--url", `${sites.origin}/shop`, "--max-steps", "4"],
      env,
    );
    expect(agent.stderr).toBe("");
    expect(agent.code).toBe(0);
    expect(JSON.parse(agent.stdout)).toMatchObject({ result: { success: true }, usage: { calls: 4 } });
    expect(model.remaining()).toBe(0);
  });

  it("calls a running server with --server and NEXUS_API_KEY", async () => {
    const server = await startTestServer(undefined, {
      openaiUpstreams: [{ id: "double", baseURL: model.baseURL }],
    });
    try {
      const key = await server.key("ai-workflow", "owner");
      await server.call("/api/browser/settings", { method: "PUT", key, json: { allowUrls: ["127.0.0.1"] } });
      model.load([actStep(/button: Empty cart/, "click")]);
      const remote = { ...env, NEXUS_API_KEY: key };
      const args = [
        "browse",
        "act",
        "empty the cart",
        "--url",
        `${sites.origin}/shop`,
        "--model",
        "double/browser-test",
      ];
      const acted = await runCli([...args, "--server", server.url], remote);
      expect(acted.stderr).toBe("");
      expect(JSON.parse(acted.stdout)).toMatchObject({ result: { cached: false }, usage: { calls: 1 } });
      const refused = await runCli(
        ["browse", "act", "x", "--url", "file:///etc/passwd", "--server", server.url],
        remote,
      );
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/file: URLs are not allowed/);
    } finally {
      await server.stop();
    }
  });

  it("reports bad input with a message and a non-zero exit", async () => {
    const badVar = await runCli(
      ["browse", "act", "type %x%", "--url", `${sites.origin}/login`, "--var", "novalue"],
      env,
    );
    expect(badVar.code).toBe(2);
    expect(badVar.stderr).toMatch(/--var takes name=value/);
    const badSchema = await runCli(
      ["browse", "extract", "x", "--url", `${sites.origin}/shop`, "--schema", "{nope"],
      env,
    );
    expect(badSchema.code).toBe(2);
    const unreachable = await runCli(["browse", "observe", "x", "--url", "http://127.0.0.1:9/"], env);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toMatch(/navigation_failed/);
  });
});
