import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { runFixture } from "../testing/run-fixture.ts";

/** Every fixture that needs no outside service, run in process, with the outputs PROVENANCE.md lists. */
describe("Dify fixtures run with their documented outputs", () => {
  it("simple_passthrough echoes any text, the empty string included", async () => {
    for (const query of ["smoke test", "", "こんにちは 🌍", "'; drop table x; --", " ".repeat(100)]) {
      const outcome = await runFixture("simple_passthrough_workflow.yml", { inputs: { query } });
      expect(outcome).toMatchObject({ status: "succeeded", outputs: { query } });
    }
  });

  it("end_node_without_value_type echoes the query", async () => {
    const outcome = await runFixture("end_node_without_value_type_field_workflow.yml", {
      inputs: { query: "hi" },
    });
    expect(outcome.outputs).toEqual({ query: "hi" });
  });

  it("conditional_hello_branching outputs only the branch taken (case-sensitive)", async () => {
    for (const query of ["hello world", "hellohello", " hello ", "hello!@#"]) {
      expect(
        (await runFixture("conditional_hello_branching_workflow.yml", { inputs: { query } })).outputs,
      ).toEqual({
        true: query,
      });
    }
    for (const query of ["goodbye world", "Hello world", "HELLO", "helo"]) {
      expect(
        (await runFixture("conditional_hello_branching_workflow.yml", { inputs: { query } })).outputs,
      ).toEqual({
        false: query,
      });
    }
  });

  it("answer_end_with_text streams prefix<query>suffix", async () => {
    const outcome = await runFixture("answer_end_with_text.yml", { query: "abc" });
    expect(outcome.answer).toBe("prefixabcsuffix");
    expect(outcome.outputs).toEqual({ answer: "prefixabcsuffix" });
  });

  it("test_streaming_conversation_variables answers with the query (v2 assigner)", async () => {
    const outcome = await runFixture("test_streaming_conversation_variables.yml", { query: "the query" });
    expect(outcome.answer).toBe("the query");
    expect(outcome.conversation.str).toBe("the query");
  });

  it("the v1 assigner updates the variable before the answer reads it", async () => {
    const outcome = await runFixture("test_streaming_conversation_variables_v1_overwrite.yml", {
      query: "abc",
    });
    expect(outcome.answer).toBe("Current Value Of `conv_var` is:abc");
  });

  it("increment_loop_with_break_condition ends with num = 5", async () => {
    const outcome = await runFixture("increment_loop_with_break_condition_workflow.yml");
    expect(outcome).toMatchObject({ status: "succeeded", outputs: { num: 5 } });
  });

  it("loop_contains_answer streams the answer inside the loop each round, then the one after it", async () => {
    const outcome = await runFixture("loop_contains_answer.yml", { query: "q" });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.answer).toBe("1\n2\nq + 2");
  });

  it("conditional_parallel_code_execution joins the shared node from both branches", async () => {
    const on = await runFixture("conditional_parallel_code_execution_workflow.yml", {
      inputs: { switch: 1 },
    });
    expect(on.outputs).toEqual({ "1": "Code 1", "2": "Code 2", "3": null });
    const off = await runFixture("conditional_parallel_code_execution_workflow.yml", {
      inputs: { switch: 0 },
    });
    expect(off.outputs).toEqual({ "1": null, "2": "Code 2", "3": "Code 3" });
  });

  it("iteration flatten_output off keeps pairs, on flattens them", async () => {
    const nested = await runFixture("iteration_flatten_output_disabled_workflow.yml");
    expect(nested.outputs).toEqual({
      output: [
        [1, 2],
        [2, 4],
        [3, 6],
      ],
    });
    const flat = await runFixture("iteration_flatten_output_enabled_workflow.yml");
    expect(flat.outputs).toEqual({ output: [1, 2, 2, 4, 3, 6] });
  });

  it("an assigner inside an iteration updates the conversation variable the answer reads", async () => {
    const outcome = await runFixture("update-conversation-variable-in-iteration.yml", {
      query: "from the user",
    });
    expect(outcome.answer).toBe("from the user");
  });

  it("iteration_contains_answer streams each item, then done", async () => {
    const outcome = await runFixture("iteration_contains_answer.yml", { query: "go" });
    expect(outcome.answer).toBe("apple\nbanana\ndone");
  });

  it.each(["array_iteration_formatting_workflow.yml", "parallel_iteration_formatting_workflow.yml"])(
    "%s formats each item through a template",
    async (name) => {
      const outcome = await runFixture(name);
      expect(outcome.outputs).toEqual({ output: ["output: 1", "output: 2", "output: 3"] });
    },
  );

  it("dual_switch_variable_aggregator picks each group's branch", async () => {
    const cases: Array<[number, number, string, string]> = [
      [1, 0, "switch 1 on", "switch 2 off"],
      [0, 1, "switch 1 off", "switch 2 on"],
      [1, 1, "switch 1 on", "switch 2 on"],
    ];
    for (const [switch1, switch2, group1, group2] of cases) {
      const outcome = await runFixture("dual_switch_variable_aggregator_workflow.yml", {
        inputs: { switch1, switch2 },
      });
      expect(outcome.outputs).toEqual({ group1, group2 });
    }
  });

  it("chatflow_time_tool_static_output answers hello, dify! after the time tool ran", async () => {
    const outcome = await runFixture("chatflow_time_tool_static_output_workflow.yml", { query: "anything" });
    expect(outcome.answer).toBe("hello, dify!");
    const tool = outcome.events.find(
      (event) => event.type === "node_finished" && event.node.data.type === "tool",
    );
    expect(tool?.type === "node_finished" && String(tool.outputs.text)).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    );
  });

  it("minimal_non_uuid_conversation_variable answers with the variable's default and the producer", async () => {
    const outcome = await runFixture("minimal_non_uuid_conversation_variable.yml", { query: "hello you" });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.answer).toBe("- produced");
  });

  it("http_request_with_json_tool fetches a local JSON document and parses it", async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ name: "nexus", items: [1, 2] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc.json`;
      const outcome = await runFixture("http_request_with_json_tool_workflow.yml", {
        inputs: { url },
        services: { allowedHosts: ["127.0.0.1"] },
      });
      expect(outcome).toMatchObject({
        status: "succeeded",
        outputs: { status_code: 200, parsed_data: { name: "nexus", items: [1, 2] } },
      });
      const blocked = await runFixture("http_request_with_json_tool_workflow.yml", { inputs: { url } });
      expect(blocked.status).toBe("failed");
      expect(blocked.error).toMatch(/HTTP Request|http_node/);
    } finally {
      server.close();
    }
  });
});
