import { SessionStateStore } from "@nexus/browser";
import { createSecretBox } from "@nexus/core";
import { WorkflowService } from "@nexus/workflows";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  actStep,
  type BrowserTestKit,
  extractSteps,
  startBrowserTestKit,
} from "../../../packages/browser/src/testing/browser-test-kit.ts";
import { buildDefinition, dslOf } from "../../../packages/workflows/src/testing/graph-builder.ts";
import { workflowBrowser } from "../src/browser-wiring.ts";

/**
 * The `nexus-browser` workflow node end to end: the workflow service with the server's browser
 * wiring over a real browser service (Chromium, the test sites, the scripted model behind the
 * gateway). Runs open sessions, chain steps in them and close them when they end.
 */
let kit: BrowserTestKit;
let service: WorkflowService;

beforeAll(async () => {
  kit = await startBrowserTestKit();
  // With the session states a moved run rebuilds its sessions from (browser-workers.test.ts).
  service = new WorkflowService({
    db: kit.db,
    browser: workflowBrowser(
      kit.browser,
      new SessionStateStore(kit.db, createSecretBox("workflow-browser-node-test-secret")),
    ),
  });
}, 30_000);
afterAll(async () => {
  await service?.close();
  await kit?.close();
});
beforeEach(() => {
  kit.model.calls.length = 0;
});

const citySchema = {
  type: "object",
  properties: {
    cities: { type: "array", items: { type: "object", properties: { city: { type: "string" } } } },
  },
  required: ["cities"],
};

type NodeSpec = [string, Record<string, unknown> & { type: string }];

/** start(page, what) → the given browser nodes in a chain → end with the given outputs. */
async function run(
  browserNodes: NodeSpec[],
  outputs: Array<[string, string[]]>,
  inputs: Record<string, unknown> = {},
  workspaceId = kit.workspaceId,
) {
  const nodes: NodeSpec[] = [
    [
      "start",
      {
        type: "start",
        variables: [
          { variable: "page", type: "text-input", required: false },
          { variable: "what", type: "text-input", required: false },
          { variable: "sid", type: "text-input", required: false },
        ],
      },
    ],
    ...browserNodes,
    [
      "end",
      {
        type: "end",
        outputs: outputs.map(([variable, selector]) => ({ variable, value_selector: selector })),
      },
    ],
  ];
  const ids = nodes.map(([id]) => id);
  const edges = ids.slice(1).map((id, index) => [ids[index] as string, id] as [string, string]);
  const { workflow, report } = await service.importWorkflow(
    workspaceId,
    dslOf(buildDefinition(nodes, edges)),
  );
  const live = await service.start(workspaceId, workflow.id, {
    inputs,
    triggeredFrom: "test",
    apiKeyId: null,
  });
  return { outcome: await live.done, workflowId: workflow.id, report };
}

describe("the nexus-browser workflow node", () => {
  it("opens a page, extracts from it in the same session, gives the data as the run's outputs, and closes the session", async () => {
    kit.model.load(extractSteps({ cities: [{ city: "Lisbon" }, { city: "Oslo" }] }));
    const { outcome, workflowId } = await run(
      [
        ["open", { type: "nexus-browser", title: "Open table", action: "open", url: "{{#start.page#}}" }],
        [
          "extract",
          {
            type: "nexus-browser",
            title: "Read cities",
            action: "extract",
            instruction: "every {{#start.what#}} on the page",
            schema: JSON.stringify(citySchema),
            session_selector: ["open", "session_id"],
          },
        ],
      ],
      [
        ["cities", ["extract", "result"]],
        ["url", ["extract", "url"]],
        ["same_session", ["extract", "session_id"]],
        ["opened", ["open", "session_id"]],
      ],
      { page: `${kit.sites.origin}/table`, what: "city name" },
    );
    expect(outcome.status, outcome.error).toBe("succeeded");
    expect(outcome.outputs).toMatchObject({
      cities: { cities: [{ city: "Lisbon" }, { city: "Oslo" }] },
      url: `${kit.sites.origin}/table`,
    });
    expect(outcome.outputs.same_session).toBe(outcome.outputs.opened);
    // The instruction was rendered, and the page the model saw is the table the open step loaded.
    const prompt = JSON.stringify(kit.model.calls[0]);
    expect(prompt).toContain("every city name on the page");
    expect(prompt).toContain("Lisbon");
    expect(kit.browser.listSessions(kit.workspaceId)).toEqual([]);

    // Export to Dify DSL keeps the node as it is; importing it back finds nothing unsupported.
    const yaml = await service.exportWorkflow(kit.workspaceId, workflowId);
    expect(yaml).toContain("type: nexus-browser");
    expect(yaml).toContain("session_selector:");
    const again = await service.importWorkflow(kit.workspaceId, yaml);
    expect(again.report.unsupportedNodes).toEqual([]);
  });

  it("acts, observes and runs the agent as steps of one session, each seeing what the last did", async () => {
    kit.model.load([
      actStep(/button: Add Yellow Lamp to cart/, "click"),
      {
        kind: "observe",
        reply: (call) => ({
          json: {
            elements: [
              {
                elementId: call.elementId(/button: Checkout/),
                description: "the checkout button",
                method: "click",
                arguments: [],
              },
            ],
          },
        }),
      },
      { kind: "agent", reply: { toolCalls: [{ name: "act", arguments: { action: "click Checkout" } }] } },
      actStep(/button: Checkout/, "click"),
      { kind: "agent", reply: { text: "Ordered." } },
      {
        kind: "agent",
        reply: { toolCalls: [{ name: "done", arguments: { reasoning: "ordered", taskComplete: true } }] },
      },
      ...extractSteps({ extraction: "ordered" }),
    ]);
    const session = ["open", "session_id"];
    const { outcome } = await run(
      [
        ["open", { type: "nexus-browser", action: "open", url: `${kit.sites.origin}/shop` }],
        [
          "add",
          {
            type: "nexus-browser",
            title: "Add lamp",
            action: "act",
            instruction: "put the {{#start.what#}} in the cart",
            session_selector: session,
          },
        ],
        [
          "look",
          {
            type: "nexus-browser",
            action: "observe",
            instruction: "the button that places the order",
            session_selector: session,
          },
        ],
        [
          "buy",
          {
            type: "nexus-browser",
            action: "agent",
            instruction: "place the order for what is in the cart",
            max_steps: 4,
            session_selector: session,
          },
        ],
        [
          "read",
          {
            type: "nexus-browser",
            action: "extract",
            instruction: "the order status",
            session_selector: session,
          },
        ],
      ],
      [
        ["acted", ["add", "result"]],
        ["observed", ["look", "result"]],
        ["agent", ["buy", "result"]],
      ],
      { what: "yellow lamp" },
    );
    expect(outcome.status, outcome.error).toBe("succeeded");
    expect(kit.model.remaining()).toBe(0);
    expect(JSON.stringify(kit.model.calls[0])).toContain("put the yellow lamp in the cart");
    expect(outcome.outputs.acted).toMatchObject({
      cached: false,
      actions: [
        expect.objectContaining({ method: "click", description: expect.stringContaining("Yellow Lamp") }),
      ],
    });
    expect(outcome.outputs.observed).toEqual([
      expect.objectContaining({ description: "the checkout button", method: "click" }),
    ]);
    expect(outcome.outputs.agent).toMatchObject({ success: true });
    // The act added the lamp and the agent's click placed the order: the page the last step read.
    expect(JSON.stringify(kit.model.calls.at(-2))).toContain("Order placed: Yellow Lamp");
    expect(kit.browser.listSessions(kit.workspaceId)).toEqual([]);
  });

  it("runs a step on a URL in a session of its own when it names none", async () => {
    // Without a schema, Stagehand extracts text.
    kit.model.load(extractSteps({ extraction: "Lisbon and Oslo" }));
    const { outcome } = await run(
      [
        [
          "x",
          {
            type: "nexus-browser",
            action: "extract",
            url: `${kit.sites.origin}/table`,
            instruction: "cities",
          },
        ],
      ],
      [["text", ["x", "text"]]],
    );
    expect(outcome.status, outcome.error).toBe("succeeded");
    expect(String(outcome.outputs.text)).toContain("Lisbon and Oslo");
    expect(kit.browser.listSessions(kit.workspaceId)).toEqual([]);
  });

  it("flags an unknown action at import and fails the run naming the node", async () => {
    const { outcome, report } = await run(
      [
        [
          "b",
          {
            type: "nexus-browser",
            title: "Browse",
            action: "click",
            instruction: "x",
            url: kit.sites.origin,
          },
        ],
      ],
      [],
    );
    expect(report.unsupportedNodes).toEqual([
      expect.objectContaining({ id: "b", reason: expect.stringContaining("unknown action 'click'") }),
    ]);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/^Node 'Browse' \(b\).*unknown action 'click' \(expected one of open, act/);
  });

  it("fails a step without an instruction, or without a URL or session, saying which", async () => {
    const missing = await run(
      [
        [
          "e",
          { type: "nexus-browser", title: "Extract", action: "extract", url: `${kit.sites.origin}/table` },
        ],
      ],
      [],
    );
    expect(missing.outcome.error).toMatch(
      /^Node 'Extract' \(e\) failed: The extract step needs an instruction/,
    );
    const nowhere = await run(
      [["a", { type: "nexus-browser", title: "Act", action: "act", instruction: "click" }]],
      [],
    );
    expect(nowhere.outcome.error).toMatch(
      /^Node 'Act' \(a\) failed: The act step needs a url or a session_selector/,
    );
    const badSchema = await run(
      [
        [
          "s",
          {
            type: "nexus-browser",
            title: "S",
            action: "extract",
            url: kit.sites.origin,
            instruction: "x",
            schema: "{",
          },
        ],
      ],
      [],
    );
    expect(badSchema.outcome.error).toMatch(/^Node 'S' \(s\) failed: schema is not valid JSON/);
    expect(kit.model.calls).toEqual([]);
  });

  it("refuses a URL the workspace's policy blocks (naming the node), in every workspace by its own policy, and closes what the run opened", async () => {
    const blocked = await run(
      [["o", { type: "nexus-browser", title: "Open", action: "open", url: "http://10.1.2.3/admin" }]],
      [],
    );
    expect(blocked.outcome.error).toMatch(/^Node 'Open' \(o\) failed: .*10\.1\.2\.3.*allow list/);
    // Another workspace has no allow list: the test site's private address is refused there.
    const elsewhere = await run(
      [["o", { type: "nexus-browser", title: "Open", action: "open", url: `${kit.sites.origin}/table` }]],
      [],
      {},
      kit.otherWorkspaceId,
    );
    expect(elsewhere.outcome.error).toMatch(/private network address/);
    // A session opened, then a later step on it refused: the run fails and its session is closed.
    const later = await run(
      [
        ["o", { type: "nexus-browser", action: "open", url: `${kit.sites.origin}/table` }],
        [
          "g",
          {
            type: "nexus-browser",
            title: "Go",
            action: "act",
            instruction: "click",
            url: "file:///etc/passwd",
            session_selector: ["o", "session_id"],
          },
        ],
      ],
      [],
    );
    expect(later.outcome.error).toMatch(/^Node 'Go' \(g\) failed: file: URLs are not allowed/);
    expect(kit.browser.listSessions(kit.workspaceId)).toEqual([]);
    expect(kit.browser.listSessions(kit.otherWorkspaceId)).toEqual([]);
  });

  it("closes the run's sessions when the run is stopped mid-step, aborting the step's model call", async () => {
    kit.model.load([{ ...actStep(/button: Checkout/, "click"), delayMs: 30_000 }]);
    const definition = buildDefinition(
      [
        ["start", { type: "start", variables: [] }],
        [
          "buy",
          {
            type: "nexus-browser",
            action: "act",
            url: `${kit.sites.origin}/shop`,
            instruction: "click Checkout",
          },
        ],
        ["end", { type: "end", outputs: [] }],
      ],
      [
        ["start", "buy"],
        ["buy", "end"],
      ],
    );
    const { workflow } = await service.importWorkflow(kit.workspaceId, dslOf(definition));
    const live = await service.start(kit.workspaceId, workflow.id, {
      inputs: {},
      triggeredFrom: "test",
      apiKeyId: null,
    });
    await vi.waitFor(() => expect(kit.model.calls.length).toBe(1), 30_000);
    expect(kit.browser.listSessions(kit.workspaceId)).toHaveLength(1);
    const stoppedAt = performance.now();
    expect(service.stop(kit.workspaceId, live.identity.runId)).toBe(true);
    const outcome = await live.done;
    expect(outcome.status).toBe("stopped");
    expect(performance.now() - stoppedAt).toBeLessThan(10_000);
    expect(kit.browser.listSessions(kit.workspaceId)).toEqual([]);
  });

  it("will not use a session the run did not open (another run's, or one opened over the API)", async () => {
    const outside = await kit.browser.openSession(kit.context());
    try {
      const { outcome } = await run(
        [
          [
            "x",
            {
              type: "nexus-browser",
              title: "Borrow",
              action: "extract",
              instruction: "cities",
              session_selector: ["start", "sid"],
            },
          ],
        ],
        [],
        { sid: outside.id },
      );
      expect(outcome.error).toBe(
        `Node 'Borrow' (x) failed: Browser session '${outside.id}' was not opened by this run`,
      );
      // Still open: the run closes only its own sessions.
      expect(kit.browser.listSessions(kit.workspaceId).map((session) => session.id)).toEqual([outside.id]);
    } finally {
      await kit.browser.closeSession(kit.workspaceId, outside.id);
    }
  });
});
