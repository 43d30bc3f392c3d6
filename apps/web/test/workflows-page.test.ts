import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// The workflows page in real Chromium against a real server: import Dify DSL files, see the
// graph, run with inputs and watch each node's result arrive, edit the graph and run the edit.
const fixtures = path.resolve(import.meta.dirname, "../../../../shared/fixtures/dify");

let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
});

afterAll(async () => {
  await harness?.close();
});

async function importFixture(page: Page, file: string): Promise<string> {
  await page.getByLabel("Workflow DSL file").setInputFiles({
    name: file,
    mimeType: "text/yaml",
    buffer: fs.readFileSync(path.join(fixtures, file)),
  });
  const notice = page.getByRole("status").filter({ hasText: "Imported" });
  await notice.waitFor();
  await notice.getByRole("link", { name: "Open it" }).click();
  await page.locator(".react-flow__node").first().waitFor();
  const match = /#\/workflows\/([^/]+)$/.exec(new URL(page.url()).hash);
  if (!match?.[1]) throw new Error(`no workflow open at ${page.url()}`);
  return decodeURIComponent(match[1]);
}

const canvasNode = (page: Page, title: string) => page.locator(".react-flow__node", { hasText: title });
const traceItem = (page: Page, title: string) => page.locator(".wf-trace-item", { hasText: title });

async function runOutputs(page: Page): Promise<unknown> {
  const outputs = page.getByRole("region", { name: "Run outputs" });
  await outputs.waitFor({ timeout: 20_000 });
  return JSON.parse((await outputs.locator("pre").textContent()) ?? "null");
}

describe("workflows page", () => {
  it("imports a DSL file, shows its graph, runs it and shows each node's result live", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows" });
    await page.getByText("No workflows yet").waitFor();
    await importFixture(page, "conditional_hello_branching_workflow.yml");

    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(4);
    // Edges are drawn once React Flow has measured the nodes.
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(3);
    await canvasNode(page, "IF/ELSE").waitFor();

    await page.getByLabel(/^query/).fill("say hello to everyone");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    expect(await runOutputs(page)).toEqual({ true: "say hello to everyone" });
    await page.locator('.wf-trace[data-run-status="succeeded"]').waitFor();
    // Start, the condition and the branch taken ran; every one shows its status and time.
    const ran = page.locator(".wf-trace-item");
    expect(await ran.count()).toBe(3);
    for (const item of await ran.all()) {
      expect(await item.getAttribute("data-status")).toBe("succeeded");
      expect(await item.locator(".wf-trace-head").textContent()).toMatch(/\d+ ms|\d\.\d\d s/);
    }
    expect(await page.locator('.wf-node[data-status="succeeded"]').count()).toBe(3);
    await traceItem(page, "IF/ELSE").getByText("Outputs").click();
    expect(await traceItem(page, "IF/ELSE").locator("pre").textContent()).toContain('"result": true');
    await saveScreenshot(page, "workflow-run");

    // The other branch.
    await page.getByLabel(/^query/).fill("goodbye");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(async () => JSON.stringify(await runOutputs(page))).toBe('{"false":"goodbye"}');

    // Both runs are in the history; opening the first shows its trace again.
    const history = page.locator(".wf-history");
    await history.locator("summary").click();
    await expect.poll(() => history.locator(".wf-history-item").count()).toBe(2);
    await history.locator(".wf-history-item").last().click();
    await expect
      .poll(async () => JSON.stringify(await runOutputs(page)))
      .toBe('{"true":"say hello to everyone"}');
    expect(await page.locator(".wf-trace-item").count()).toBe(3);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("pauses at a human-input node, shows its form in the run, and goes on with the action chosen", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "agentx" });
    await page.getByLabel("Workflow DSL file").setInputFiles({
      name: "approval.yml",
      mimeType: "text/yaml",
      buffer: Buffer.from(`app:
  mode: workflow
  name: approval
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
    - id: s
      data: { type: start, title: Start, variables: [] }
    - id: ask
      data:
        type: human-input
        title: Approve
        form_content: Approve the draft?
        inputs: [{ output_variable_name: comment, type: paragraph, required: true }]
        user_actions: [{ id: approve, title: Approve }, { id: reject, title: Reject }]
    - id: yes
      data: { type: end, title: Approved, outputs: [{ variable: approved, value_selector: [ask, comment] }] }
    - id: no
      data: { type: end, title: Rejected, outputs: [{ variable: rejected, value_selector: [ask, comment] }] }
    edges:
    - { source: s, target: ask }
    - { source: ask, sourceHandle: approve, target: yes }
    - { source: ask, sourceHandle: reject, target: no }
`),
    });
    const notice = page.getByRole("status").filter({ hasText: "Imported" });
    await notice.waitFor();
    await notice.getByRole("link", { name: "Open it" }).click();
    await page.locator(".react-flow__node").first().waitFor();
    // The node has a handle per action, and its two branches are drawn from them.
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(3);
    const ask = page.locator('.react-flow__node[data-id="ask"] .react-flow__handle.source');
    expect(await ask.count()).toBe(2);

    await page.getByRole("button", { name: "Run", exact: true }).click();
    const form = page.getByRole("region", { name: "Waiting for your answer" });
    await form.waitFor({ timeout: 20_000 });
    await form.getByText("Approve the draft?").waitFor();
    // The actions wait for the form's required field; the run waits too (its Run button is off).
    expect(await form.getByRole("button", { name: "Approve" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Running…" }).isDisabled()).toBe(true);
    await form.getByLabel(/^comment/).fill("ship it");
    await form.getByRole("button", { name: "Approve" }).click();
    expect(await runOutputs(page)).toEqual({ approved: "ship it" });
    await expect.poll(() => form.count()).toBe(0);
    await page.locator('.wf-trace[data-run-status="succeeded"]').waitFor();

    // A run left waiting (the page reloaded) and opened again from the history shows its form.
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await form.waitFor({ timeout: 20_000 });
    await page.reload();
    await page.locator(".react-flow__node").first().waitFor();
    expect(await form.count()).toBe(0);
    const history = page.locator(".wf-history");
    await history.locator("summary").click();
    await expect.poll(() => history.locator(".wf-history-item").count()).toBe(2);
    await history.locator(".wf-history-item", { hasText: "paused" }).click();
    await form.waitFor();
    await form.getByText("Approve the draft?").waitFor();
    await form.getByLabel(/^comment/).fill("not yet");
    await form.getByRole("button", { name: "Reject" }).click();
    expect(await runOutputs(page)).toEqual({ rejected: "not yet" });
    await expect.poll(() => form.count()).toBe(0);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("shows an iteration's inner nodes inside it and counts their rounds", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "agentx" });
    await importFixture(page, "array_iteration_formatting_workflow.yml");
    const container = page.locator(".wf-node.wf-container");
    await container.waitFor();
    // React Flow nests a child's element in its parent's coordinates: the template sits inside.
    const outer = await container.boundingBox();
    const inner = await page.locator(".wf-node-template-transform").boundingBox();
    expect(
      outer &&
        inner &&
        inner.x >= outer.x &&
        inner.y >= outer.y &&
        inner.x + inner.width <= outer.x + outer.width + 1,
    ).toBe(true);

    await page.getByRole("button", { name: "Run", exact: true }).click();
    expect(await runOutputs(page)).toEqual({ output: ["output: 1", "output: 2", "output: 3"] });
    await expect
      .poll(() => page.locator(".wf-node-template-transform .wf-node-time").textContent())
      .toMatch(/3 runs/);
    await saveScreenshot(page, "workflow-iteration");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("adds and connects a template node, configures it, saves and runs the edit", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    expect(await page.locator(".react-flow__node").count()).toBe(2);

    await page.getByLabel("Add node").selectOption("template-transform");
    const settings = page.getByRole("region", { name: "Node settings" });
    await settings.getByLabel("Title").fill("Greeting");
    await settings.getByLabel("Variables 1 source").fill("1754154032319.query");
    await settings.getByLabel("Template (Jinja2)").fill("Hello {{ arg1 | upper }}!");
    const template = canvasNode(page, "Greeting");
    await template.waitFor();
    const templateId = await template.getAttribute("data-id");

    // Wire start → template by dragging between handles, and point the end at the template.
    await page.getByRole("button", { name: "Fit View" }).click();
    await canvasNode(page, "Start")
      .locator(".react-flow__handle.source")
      .dragTo(template.locator(".react-flow__handle.target"));
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
    await canvasNode(page, "End").click();
    await settings.getByLabel("Outputs 1 source").fill(`${templateId}.output`);
    await template
      .locator(".react-flow__handle.source")
      .dragTo(canvasNode(page, "End").locator(".react-flow__handle.target"));
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(3);

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor();
    await saveScreenshot(page, "workflow-edited");

    await page.getByLabel(/^query/).fill("ada");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    expect(await runOutputs(page)).toEqual({ query: "Hello ADA!" });
    expect(await traceItem(page, "Greeting").getAttribute("data-status")).toBe("succeeded");

    // The saved graph is what the server runs and exports.
    const saved = await page.request.get(`${harness.url}/api/workflows/${workflowId}`);
    const graph = (
      (await saved.json()) as {
        workflow: { graph: { nodes: { data: { type: string; template?: string } }[] } };
      }
    ).workflow.graph;
    expect(graph.nodes.find((node) => node.data.type === "template-transform")?.data.template).toBe(
      "Hello {{ arg1 | upper }}!",
    );
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("builds a branch: an IF/ELSE configured by form, its IF handle wired to a new node", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = page.getByRole("region", { name: "Node settings" });

    await page.getByLabel("Add node").selectOption("if-else");
    await settings.getByLabel("Title").fill("Greets?");
    await settings.getByRole("button", { name: "Add condition" }).click();
    await settings.getByLabel("Case 1 condition 1 variable").fill("1754154032319.query");
    await settings.getByLabel("Case 1 condition 1 operator").selectOption("start with");
    await settings.getByLabel("Case 1 condition 1 value").fill("hi");
    await page.getByLabel("Add node").selectOption("template-transform");
    await settings.getByLabel("Title").fill("Reply");
    await settings.getByLabel("Template (Jinja2)").fill("greeted");

    await page.getByRole("button", { name: "Fit View" }).click();
    const condition = canvasNode(page, "Greets?");
    const reply = canvasNode(page, "Reply");
    await canvasNode(page, "Start")
      .locator(".react-flow__handle.source")
      .dragTo(condition.locator(".react-flow__handle.target"));
    await condition
      .locator('.react-flow__handle.source[data-handleid="true"]')
      .dragTo(reply.locator(".react-flow__handle.target"));
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(3);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor();

    const saved = (await (await page.request.get(`${harness.url}/api/workflows/${workflowId}`)).json()) as {
      workflow: {
        graph: {
          nodes: { id: string; data: Record<string, unknown> }[];
          edges: { source: string; target: string; sourceHandle: string }[];
        };
      };
    };
    const ifElse = saved.workflow.graph.nodes.find((node) => node.data.type === "if-else");
    const template = saved.workflow.graph.nodes.find((node) => node.data.type === "template-transform");
    expect(ifElse?.data.cases).toEqual([
      {
        case_id: "true",
        logical_operator: "and",
        conditions: [
          expect.objectContaining({
            variable_selector: ["1754154032319", "query"],
            comparison_operator: "start with",
            value: "hi",
          }),
        ],
      },
    ]);
    expect(saved.workflow.graph.edges).toContainEqual(
      expect.objectContaining({ source: ifElse?.id, target: template?.id, sourceHandle: "true" }),
    );

    // Taken: the IF branch's node runs. Not taken: it does not.
    await page.getByLabel(/^query/).fill("hi there");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator('.wf-trace:not([data-run-status="running"])').waitFor({ timeout: 20_000 });
    expect(await traceItem(page, "Reply").getAttribute("data-status")).toBe("succeeded");
    await page.getByLabel(/^query/).fill("bye");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    // The new run replaces the trace: wait for the condition's result, then for the run's end.
    await traceItem(page, "Greets?").getByText("Outputs").click();
    await expect
      .poll(() => traceItem(page, "Greets?").locator("pre").textContent(), { timeout: 20_000 })
      .toContain('"selected_case_id": "false"');
    await page.locator('.wf-trace:not([data-run-status="running"])').waitFor({ timeout: 20_000 });
    expect(await traceItem(page, "Reply").count()).toBe(0);
    await saveScreenshot(page, "workflow-branch");

    // A loop's round limit and break conditions are written the way Dify's DSL holds them.
    await page.getByLabel("Add node").selectOption("loop");
    await settings.getByLabel("Rounds at most").fill("3");
    await settings.getByRole("button", { name: "Add condition" }).click();
    await settings.getByLabel("Break condition 1 variable").fill("1754154032319.query");
    await settings.getByLabel("Break condition 1 operator").selectOption("is");
    await settings.getByLabel("Break condition 1 value").fill("stop");
    await settings.getByText("All settings (JSON)").click();
    const loopData = JSON.parse(await settings.getByLabel("Node data JSON").inputValue()) as Record<
      string,
      unknown
    >;
    expect(loopData).toMatchObject({
      type: "loop",
      loop_count: 3,
      logical_operator: "and",
      break_conditions: [
        { variable_selector: ["1754154032319", "query"], comparison_operator: "is", value: "stop" },
      ],
    });
    expect(loopData.start_node_id).toBe(
      `${await page.locator(".wf-node-loop").getAttribute("data-node-id")}start`,
    );
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("builds an iteration: a code node's list, a template inside the iteration, its outputs collected", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = page.getByRole("region", { name: "Node settings" });
    const idOf = async (title: string) => (await canvasNode(page, title).getAttribute("data-id")) as string;

    await page.getByLabel("Add node").selectOption("code");
    await settings.getByLabel("Title").fill("List");
    await settings.getByRole("button", { name: "Remove Input variables 1" }).click();
    await settings.getByLabel("Code").fill("def main() -> dict:\n    return {'items': ['a', 'b']}\n");
    await settings.getByLabel("Outputs (name or name: type, comma-separated)").fill("items: array[string]");
    const listId = await idOf("List");

    await page.getByLabel("Add node").selectOption("iteration");
    await settings.getByLabel("Title").fill("Each");
    await settings.getByLabel("Iterate over").fill(`${listId}.items`);
    const eachId = await idOf("Each");
    // With the iteration selected, the next node goes inside it.
    await page.getByLabel("Add node").selectOption("template-transform");
    await settings.getByLabel("Title").fill("Line");
    await settings.getByLabel("Variables 1 source").fill(`${eachId}.item`);
    await settings.getByLabel("Template (Jinja2)").fill("item {{ arg1 }}");
    const lineId = await idOf("Line");
    // Selecting the iteration by its title bar: a click can land while the canvas is still
    // settling after the added child (seen under load), so click until its settings show.
    const eachRound = settings.getByLabel("Output of each round");
    await expect
      .poll(async () => {
        await canvasNode(page, "Each").click({ position: { x: 30, y: 12 } });
        return eachRound.isVisible();
      })
      .toBe(true);
    await eachRound.fill(`${lineId}.output`);
    await canvasNode(page, "End").click();
    await settings.getByLabel("Outputs 1 source").fill(`${eachId}.output`);

    await page.getByRole("button", { name: "Fit View" }).click();
    const handle = (id: string, kind: "source" | "target") =>
      page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${kind}`).first();
    await handle("1754154032319", "source").dragTo(handle(listId, "target"));
    await handle(listId, "source").dragTo(handle(eachId, "target"));
    await handle(`${eachId}start`, "source").dragTo(handle(lineId, "target"));
    await handle(eachId, "source").dragTo(handle("1754154034161", "target"));
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(5);
    // Unsaved: the run button saves the edit as a new version first.
    await page.getByLabel(/^query/).fill("unused");
    await page.getByRole("button", { name: "Save and run" }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor();
    expect(await runOutputs(page)).toEqual({ query: ["item a", "item b"] });
    await saveScreenshot(page, "workflow-built-iteration");
    const saved = (await (await page.request.get(`${harness.url}/api/workflows/${workflowId}`)).json()) as {
      workflow: { graph: { nodes: { id: string; parentId?: string; data: Record<string, unknown> }[] } };
    };
    const byId = new Map(saved.workflow.graph.nodes.map((node) => [node.id, node]));
    expect(byId.get(lineId)).toMatchObject({
      parentId: eachId,
      data: { isInIteration: true, iteration_id: eachId },
    });
    expect(byId.get(`${eachId}start`)).toMatchObject({ parentId: eachId, data: { type: "iteration-start" } });
    expect(byId.get(eachId)?.data).toMatchObject({
      start_node_id: `${eachId}start`,
      iterator_selector: [listId, "items"],
    });

    await expect
      .poll(() => canvasNode(page, "Line").locator(".wf-node-time").textContent())
      .toMatch(/2 runs/);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("shows a failed node's error, marks nodes that cannot run, rejects invalid files, keeps workspaces apart", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "nexus-os" });
    await page.getByText("No workflows yet").waitFor();

    // A node whose plugin Nexus lacks is imported, named in the report and marked on the graph.
    await page.getByLabel("Workflow DSL file").setInputFiles({
      name: "search.yml",
      mimeType: "text/yaml",
      buffer: fs.readFileSync(path.join(fixtures, "search_dify_from_2023_to_2025.yml")),
    });
    const report = page.getByRole("list", { name: "Nodes that cannot run here" });
    await report.waitFor();
    expect(await report.textContent()).toMatch(/tool/i);
    await page.getByRole("link", { name: "Open it" }).click();
    await page.locator('.wf-node[data-unsupported="true"]').first().waitFor();
    await page.getByRole("link", { name: "All workflows" }).click();

    // A code node that raises: the run fails and the node shows the error.
    const failing = [
      "app:",
      "  mode: workflow",
      "  name: Failing code",
      "kind: app",
      "version: 0.1.5",
      "workflow:",
      "  graph:",
      "    edges:",
      "    - {id: e1, source: start, target: code, sourceHandle: source, targetHandle: target}",
      "    - {id: e2, source: code, target: end, sourceHandle: source, targetHandle: target}",
      "    nodes:",
      "    - id: start",
      "      position: {x: 0, y: 0}",
      "      data: {type: start, title: Start, variables: []}",
      "    - id: code",
      "      position: {x: 300, y: 0}",
      "      data:",
      "        type: code",
      "        title: Divide",
      "        code_language: python3",
      "        code: |",
      "          def main() -> dict:",
      "              return {'r': 1 / 0}",
      "        variables: []",
      "        outputs: {r: {type: number, children: null}}",
      "    - id: end",
      "      position: {x: 600, y: 0}",
      "      data: {type: end, title: End, outputs: []}",
      "",
    ].join("\n");
    await page
      .getByLabel("Workflow DSL file")
      .setInputFiles({ name: "failing.yml", mimeType: "text/yaml", buffer: Buffer.from(failing) });
    await page
      .getByRole("status")
      .filter({ hasText: "Imported Failing code" })
      .getByRole("link", { name: "Open it" })
      .click();
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator('.wf-trace[data-run-status="failed"]').waitFor({ timeout: 20_000 });
    expect(await traceItem(page, "Divide").getAttribute("data-status")).toBe("failed");
    expect(await traceItem(page, "Divide").locator(".error").textContent()).toContain(
      "ZeroDivisionError: division by zero (line 2)",
    );
    await page.locator('.wf-node[data-status="failed"]', { hasText: "Divide" }).waitFor();

    // An edit the server refuses: the reason, naming the node, and nothing saved.
    await canvasNode(page, "End").click();
    const settings = page.getByRole("region", { name: "Node settings" });
    await settings.getByRole("button", { name: "Add" }).click();
    await settings.getByLabel("Outputs 1 name").fill("ghost");
    await settings.getByLabel("Outputs 1 source").fill("nowhere.value");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const refused = page.getByRole("alert").filter({ hasText: "Save failed" });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/'End' \(end\).*nowhere\.value/);
    expect(await page.getByRole("button", { name: "Save", exact: true }).isEnabled()).toBe(true);
    await page.getByRole("link", { name: "All workflows" }).click();

    // Not a DSL file: the reason is shown, nothing is added.
    await page
      .getByLabel("Workflow DSL file")
      .setInputFiles({ name: "bad.yml", mimeType: "text/yaml", buffer: Buffer.from("app: [unclosed") });
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Import of bad\.yml failed: .+/);
    expect(await page.locator(".wf-card").count()).toBe(2);

    // Another workspace sees none of these.
    const other = await harness.signedInPage({ at: "#/workflows", workspace: "azi-learns-ai" });
    await other.page.getByText("No workflows yet").waitFor();
    expect(await other.page.locator(".wf-card").count()).toBe(0);
    expect(unexpectedProblems(problems)).toEqual([]);
  });
});
