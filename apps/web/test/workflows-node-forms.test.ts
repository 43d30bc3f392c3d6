import fs from "node:fs";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// The forms of the tool, agent, parameter-extractor, list-operator and variable-assigner nodes in
// real Chromium against a real server: each is added, filled in, wired, saved, and after a reload
// the form shows what was typed. One workflow built by form runs and shows its trace.
const fixtures = path.resolve(import.meta.dirname, "../../../../shared/fixtures/dify");
// simple_passthrough_workflow.yml: start (input `query`) → end.
const startId = "1754154032319";
const endId = "1754154034161";

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
  await notice.getByRole("link", { name: "Open it" }).click();
  await page.locator(".react-flow__node").first().waitFor();
  const match = /#\/workflows\/([^/]+)$/.exec(new URL(page.url()).hash);
  if (!match?.[1]) throw new Error(`no workflow open at ${page.url()}`);
  return decodeURIComponent(match[1]);
}

const canvasNode = (page: Page, title: string) => page.locator(".react-flow__node", { hasText: title });
const settingsOf = (page: Page) => page.getByRole("region", { name: "Node settings" });

/** Adds a node of a type and names it; returns its id. */
async function addNode(page: Page, type: string, title: string): Promise<string> {
  await page.getByLabel("Add node").selectOption(type);
  await settingsOf(page).getByLabel("Title").fill(title);
  return (await canvasNode(page, title).getAttribute("data-id")) as string;
}

async function connect(page: Page, from: string, to: string): Promise<void> {
  const handle = (id: string, kind: "source" | "target") =>
    page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${kind}`).first();
  const edges = page.locator(".react-flow__edge");
  const before = await edges.count();
  await page.getByRole("button", { name: "Fit View" }).click();
  // A drag in small steps, tried again if a busy page missed it (a missed drag adds no edge).
  for (let attempt = 0; attempt < 3 && (await edges.count()) === before; attempt++) {
    const source = await handle(from, "source").boundingBox();
    const target = await handle(to, "target").boundingBox();
    if (!source || !target) throw new Error(`handles of ${from} → ${to} are not on screen`);
    await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
    await page.mouse.down();
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 10 });
    await page.mouse.up();
    await expect
      .poll(() => edges.count(), { timeout: 3_000 })
      .toBe(before + 1)
      .catch(() => {});
  }
  await expect.poll(() => edges.count()).toBe(before + 1);
}

/** Saves, reloads the page and opens the node's settings again. */
async function saveReloadAndOpen(page: Page, title: string): Promise<Locator> {
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor();
  await page.reload();
  await canvasNode(page, title).click();
  const settings = settingsOf(page);
  await expect.poll(() => settings.getByLabel("Title").inputValue()).toBe(title);
  return settings;
}

async function savedData(page: Page, workflowId: string, nodeId: string): Promise<Record<string, unknown>> {
  const answer = await page.request.get(`${harness.url}/api/workflows/${workflowId}`);
  const body = (await answer.json()) as {
    workflow: { graph: { nodes: { id: string; data: Record<string, unknown> }[] } };
  };
  return body.workflow.graph.nodes.find((node) => node.id === nodeId)?.data ?? {};
}

// Each test drives many steps in Chromium on a shared, busy machine.
describe("workflow node forms", { timeout: 90_000 }, () => {
  it("configures a tool node: the built-in tool and its inputs, kept after a reload", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = settingsOf(page);
    const toolId = await addNode(page, "tool", "Parse");
    await settings.getByLabel("Tool", { exact: true }).selectOption("json_process/json_parse");
    await settings.getByLabel("Tool input content kind").selectOption("variable");
    await settings.getByLabel("Tool input content", { exact: true }).fill(`${startId}.query`);
    await settings.getByLabel("Tool input query", { exact: true }).fill("$.name");
    await connect(page, startId, toolId);

    await saveScreenshot(page, "workflow-form-tool");
    const reloaded = await saveReloadAndOpen(page, "Parse");
    expect(await reloaded.getByLabel("Tool", { exact: true }).inputValue()).toBe("json_process/json_parse");
    expect(await reloaded.getByLabel("Tool input content kind").inputValue()).toBe("variable");
    expect(await reloaded.getByLabel("Tool input content", { exact: true }).inputValue()).toBe(
      `${startId}.query`,
    );
    expect(await reloaded.getByLabel("Tool input query", { exact: true }).inputValue()).toBe("$.name");
    expect(await savedData(page, workflowId, toolId)).toMatchObject({
      provider_id: "json_process",
      tool_name: "json_parse",
      tool_parameters: {
        content: { type: "variable", value: [startId, "query"] },
        query: { type: "mixed", value: "$.name" },
      },
    });
    expect(await page.locator(".react-flow__edge").count()).toBe(2);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("configures an agent node: model, instruction, query, tools and rounds, kept after a reload", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = settingsOf(page);
    const agentId = await addNode(page, "agent", "Helper");
    await settings.getByLabel("Model").fill("double/test-chat");
    await settings.getByLabel("Strategy").selectOption("ReAct");
    await settings.getByLabel("Instruction").fill("Answer briefly.");
    await settings.getByLabel("Query").fill(`{{#${startId}.query#}}`);
    await settings.getByLabel("Current time (time)").check();
    await settings.getByLabel("Rounds at most").fill("3");
    await connect(page, startId, agentId);

    await saveScreenshot(page, "workflow-form-agent");
    const reloaded = await saveReloadAndOpen(page, "Helper");
    expect(await reloaded.getByLabel("Model").inputValue()).toBe("double/test-chat");
    expect(await reloaded.getByLabel("Strategy").inputValue()).toBe("ReAct");
    expect(await reloaded.getByLabel("Instruction").inputValue()).toBe("Answer briefly.");
    expect(await reloaded.getByLabel("Query").inputValue()).toBe(`{{#${startId}.query#}}`);
    expect(await reloaded.getByLabel("Current time (time)").isChecked()).toBe(true);
    expect(await reloaded.getByLabel("JSON parse (json_process)").isChecked()).toBe(false);
    expect(await reloaded.getByLabel("Rounds at most").inputValue()).toBe("3");
    expect(await savedData(page, workflowId, agentId)).toMatchObject({
      agent_strategy_name: "ReAct",
      agent_parameters: {
        model: { value: { model: "double/test-chat" } },
        instruction: { value: "Answer briefly." },
        query: { value: `{{#${startId}.query#}}` },
        tools: { value: [{ provider_name: "time", tool_name: "current_time", enabled: true }] },
        maximum_iterations: { value: 3 },
      },
    });
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("configures a parameter extractor: model, source, typed parameters, kept after a reload", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = settingsOf(page);
    const extractorId = await addNode(page, "parameter-extractor", "Extract");
    await settings.getByLabel("Model").fill("double/test-chat");
    await settings.getByLabel("Extract from").fill(`${startId}.query`);
    await settings.getByRole("button", { name: "Add parameter" }).click();
    await settings.getByLabel("Parameter 1 name").fill("city");
    await settings.getByLabel("Parameter 1 description").fill("the city named");
    await settings.getByLabel("required").check();
    await settings.getByRole("button", { name: "Add parameter" }).click();
    await settings.getByLabel("Parameter 2 name").fill("size");
    await settings.getByLabel("Parameter 2 type").selectOption("select");
    // Typed key by key: the comma must survive until the next option is typed.
    await settings.getByLabel("Parameter 2 options").pressSequentially("small, large");
    await settings.getByLabel("Instruction").fill("Cities only.");
    await settings.getByLabel("Reasoning mode").selectOption("function_call");
    await connect(page, startId, extractorId);

    await saveScreenshot(page, "workflow-form-parameter-extractor");
    const reloaded = await saveReloadAndOpen(page, "Extract");
    expect(await reloaded.getByLabel("Model").inputValue()).toBe("double/test-chat");
    expect(await reloaded.getByLabel("Extract from").inputValue()).toBe(`${startId}.query`);
    expect(await reloaded.getByLabel("Parameter 1 name").inputValue()).toBe("city");
    expect(await reloaded.getByLabel("Parameter 1 type").inputValue()).toBe("string");
    expect(await reloaded.getByLabel("Parameter 2 type").inputValue()).toBe("select");
    expect(await reloaded.getByLabel("Parameter 2 options").inputValue()).toBe("small, large");
    expect(await reloaded.getByLabel("Reasoning mode").inputValue()).toBe("function_call");
    expect(await savedData(page, workflowId, extractorId)).toMatchObject({
      model: { provider: "double", name: "test-chat" },
      query: [startId, "query"],
      instruction: "Cities only.",
      reasoning_mode: "function_call",
      parameters: [
        { name: "city", type: "string", description: "the city named", required: true },
        { name: "size", type: "select", required: false, options: ["small", "large"] },
      ],
    });
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("configures a list operator: list, filter, sort and limit, kept after a reload", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = settingsOf(page);
    // A list operator takes a list: a code node's output declared as one.
    const itemsId = await addNode(page, "code", "Items");
    await settings.getByRole("button", { name: "Remove Input variables 1" }).click();
    await settings.getByLabel("Code").fill("def main() -> dict:\n    return {'items': []}\n");
    await settings.getByLabel("Outputs (name or name: type, comma-separated)").fill("items: array[object]");
    const listId = await addNode(page, "list-operator", "Pick");
    await settings.getByLabel("List", { exact: true }).pressSequentially(`${itemsId}.items`);
    await settings.getByLabel("Filter", { exact: true }).check();
    await settings.getByRole("button", { name: "Add filter" }).click();
    await settings.getByLabel("Filter 1 field").fill("name");
    await settings.getByLabel("Filter 1 operator").selectOption("start with");
    await settings.getByLabel("Filter 1 value").fill("a");
    await settings.getByLabel("Sort", { exact: true }).check();
    await settings.getByLabel("Sort by field").fill("score");
    await settings.getByLabel("Sort order").selectOption("desc");
    await settings.getByLabel("Keep the first").check();
    await settings.getByLabel("How many to keep").fill("2");
    await connect(page, startId, itemsId);
    await connect(page, itemsId, listId);

    await saveScreenshot(page, "workflow-form-list-operator");
    const reloaded = await saveReloadAndOpen(page, "Pick");
    expect(await reloaded.getByLabel("List", { exact: true }).inputValue()).toBe(`${itemsId}.items`);
    expect(await reloaded.getByLabel("Filter 1 operator").inputValue()).toBe("start with");
    expect(await reloaded.getByLabel("Filter 1 value").inputValue()).toBe("a");
    expect(await reloaded.getByLabel("Sort order").inputValue()).toBe("desc");
    expect(await reloaded.getByLabel("How many to keep").inputValue()).toBe("2");
    expect(await reloaded.getByLabel("Take item number").isChecked()).toBe(false);
    expect(await savedData(page, workflowId, listId)).toMatchObject({
      variable: [itemsId, "items"],
      filter_by: {
        enabled: true,
        conditions: [{ key: "name", comparison_operator: "start with", value: "a" }],
      },
      order_by: { enabled: true, key: "score", value: "desc" },
      limit: { enabled: true, size: 2 },
      extract_by: { enabled: false },
    });
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("configures a variable assigner on a conversation variable, kept after a reload", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "test_streaming_conversation_variables.yml");
    const settings = settingsOf(page);
    const assignerId = await addNode(page, "assigner", "Remember");
    await settings.getByRole("button", { name: "Add assignment" }).click();
    await settings.getByLabel("Assignment 1 variable").fill("conversation.str");
    await settings.getByLabel("Assignment 1 operation").selectOption("over-write");
    await settings.getByLabel("Assignment 1 value", { exact: true }).fill("sys.query");
    await settings.getByRole("button", { name: "Add assignment" }).click();
    await settings.getByLabel("Assignment 2 variable").fill("conversation.str");
    await settings.getByLabel("Assignment 2 operation").selectOption("set");
    await settings.getByLabel("Assignment 2 value kind").selectOption("constant");
    await settings.getByLabel("Assignment 2 value", { exact: true }).fill("done");
    const startNode = await page.locator(".wf-node-start").getAttribute("data-node-id");
    await connect(page, startNode as string, assignerId);

    await saveScreenshot(page, "workflow-form-assigner");
    const reloaded = await saveReloadAndOpen(page, "Remember");
    expect(await reloaded.getByLabel("Assignment 1 variable").inputValue()).toBe("conversation.str");
    expect(await reloaded.getByLabel("Assignment 1 value kind").inputValue()).toBe("variable");
    expect(await reloaded.getByLabel("Assignment 1 value", { exact: true }).inputValue()).toBe("sys.query");
    expect(await reloaded.getByLabel("Assignment 2 operation").inputValue()).toBe("set");
    expect(await reloaded.getByLabel("Assignment 2 value", { exact: true }).inputValue()).toBe("done");
    expect(await savedData(page, workflowId, assignerId)).toMatchObject({
      version: "2",
      items: [
        {
          variable_selector: ["conversation", "str"],
          operation: "over-write",
          input_type: "variable",
          value: ["sys", "query"],
        },
        {
          variable_selector: ["conversation", "str"],
          operation: "set",
          input_type: "constant",
          value: "done",
        },
      ],
    });
    // A variable the workflow does not declare: the server refuses the save and says which.
    await reloaded.getByLabel("Assignment 1 variable").fill("conversation.ghost");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const refused = page.getByRole("alert").filter({ hasText: "Save failed" });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/Remember.*ghost/);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("runs a list operator and a parameter extractor built by form, and shows their trace", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = settingsOf(page);
    const scoresId = await addNode(page, "code", "Scores");
    await settings.getByRole("button", { name: "Remove Input variables 1" }).click();
    await settings
      .getByLabel("Code")
      .fill(
        "def main() -> dict:\n    return {'items': [{'name': 'ann', 'score': 3}, {'name': 'bob', 'score': 5}, {'name': 'amy', 'score': 9}, {'name': 'al', 'score': 1}]}\n",
      );
    await settings.getByLabel("Outputs (name or name: type, comma-separated)").fill("items: array[object]");
    const topId = await addNode(page, "list-operator", "Top");
    await settings.getByLabel("List", { exact: true }).fill(`${scoresId}.items`);
    await settings.getByLabel("Filter", { exact: true }).check();
    await settings.getByRole("button", { name: "Add filter" }).click();
    await settings.getByLabel("Filter 1 field").fill("name");
    await settings.getByLabel("Filter 1 operator").selectOption("start with");
    await settings.getByLabel("Filter 1 value").fill("a");
    await settings.getByLabel("Sort", { exact: true }).check();
    await settings.getByLabel("Sort by field").fill("score");
    await settings.getByLabel("Sort order").selectOption("desc");
    await settings.getByLabel("Keep the first").check();
    await settings.getByLabel("How many to keep").fill("2");
    // The OpenAI double answers a JSON-schema request with {"echo": <the user's text>}.
    const extractId = await addNode(page, "parameter-extractor", "Extract");
    await settings.getByLabel("Model").fill("double/test-chat");
    await settings.getByLabel("Extract from").fill(`${startId}.query`);
    await settings.getByRole("button", { name: "Add parameter" }).click();
    await settings.getByLabel("Parameter 1 name").fill("echo");
    await settings.getByLabel("required").check();
    await canvasNode(page, "End").click();
    // Selector inputs suggest the other nodes' outputs, the extracted parameters among them.
    const suggested = await page
      .locator("#wf-selector-options option")
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(suggested).toEqual(
      expect.arrayContaining([
        `${startId}.query`,
        `${scoresId}.items`,
        `${topId}.result`,
        `${extractId}.echo`,
      ]),
    );
    expect(await settings.getByLabel("Outputs 1 source").getAttribute("list")).toBe("wf-selector-options");
    await settings.getByLabel("Outputs 1 name").fill("top");
    await settings.getByLabel("Outputs 1 source").fill(`${topId}.result`);
    await settings.getByRole("button", { name: "Add", exact: true }).click();
    await settings.getByLabel("Outputs 2 name").fill("echo");
    await settings.getByLabel("Outputs 2 source").fill(`${extractId}.echo`);
    await connect(page, startId, scoresId);
    await connect(page, scoresId, topId);
    await connect(page, topId, endId);
    await connect(page, startId, extractId);
    await connect(page, extractId, endId);

    await page.getByLabel(/^query/).fill("Paris in spring");
    await page.getByRole("button", { name: "Save and run" }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor();
    const outputs = page.getByRole("region", { name: "Run outputs" });
    await outputs.waitFor({ timeout: 20_000 });
    expect(JSON.parse((await outputs.locator("pre").textContent()) ?? "null")).toEqual({
      top: [
        { name: "amy", score: 9 },
        { name: "ann", score: 3 },
      ],
      echo: "Paris in spring",
    });
    await page.locator('.wf-trace[data-run-status="succeeded"]').waitFor();
    const trace = (id: string) => page.locator(`.wf-trace-item[data-node-id="${id}"]`);
    for (const id of [scoresId, topId, extractId])
      expect(await trace(id).getAttribute("data-status")).toBe("succeeded");
    await trace(topId).getByText("Outputs").click();
    expect(await trace(topId).locator("pre").textContent()).toContain('"first_record": {');
    await trace(extractId).getByText("Outputs").click();
    expect(await trace(extractId).locator("pre").textContent()).toContain('"__is_success": 1');
    expect(await page.locator('.wf-node[data-status="succeeded"]', { hasText: "Top" }).count()).toBe(1);
    await saveScreenshot(page, "workflow-list-operator-run");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  it("edits a node without a form as JSON, refusing data that does not fit its type", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/workflows", workspace: "ai-workflow" });
    const workflowId = await importFixture(page, "simple_passthrough_workflow.yml");
    const settings = settingsOf(page);
    const aggregatorId = await addNode(page, "variable-aggregator", "Either");
    await settings.getByText("This node type has no form").waitFor();
    // Unfolded without a click: the JSON is this type's only editor.
    const json = settings.getByLabel("Node data JSON");
    const data = JSON.parse(await json.inputValue()) as Record<string, unknown>;
    await json.fill(JSON.stringify({ ...data, variables: "start.query" }));
    await settings.getByRole("button", { name: "Apply JSON" }).click();
    expect(await settings.getByRole("alert").textContent()).toBe(
      `Not applied: setting 'variables' must be an array, not a string ("start.query")`,
    );
    await json.fill("{ not json");
    await settings.getByRole("button", { name: "Apply JSON" }).click();
    expect(await settings.getByRole("alert").textContent()).toMatch(/^Not valid JSON: /);
    await json.fill(JSON.stringify({ ...data, type: "code" }));
    await settings.getByRole("button", { name: "Apply JSON" }).click();
    expect(await settings.getByRole("alert").textContent()).toBe(
      'Not applied: type must stay "variable-aggregator" (add a new node for another type)',
    );
    await json.fill(JSON.stringify({ ...data, title: "Either one", variables: [[startId, "query"]] }));
    await settings.getByRole("button", { name: "Apply JSON" }).click();
    await canvasNode(page, "Either one").waitFor();
    expect(await settings.getByRole("alert").count()).toBe(0);
    await connect(page, startId, aggregatorId);

    const reloaded = await saveReloadAndOpen(page, "Either one");
    expect(JSON.parse(await reloaded.getByLabel("Node data JSON").inputValue())).toMatchObject({
      type: "variable-aggregator",
      variables: [[startId, "query"]],
    });
    expect(await savedData(page, workflowId, aggregatorId)).toMatchObject({
      variables: [[startId, "query"]],
    });
    expect(unexpectedProblems(problems)).toEqual([]);
  });
});
