import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { createGateway, createOpenAICompatibleProvider, type Gateway } from "@nexus/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../gateway/src/testing/openai-test-server.ts";
import { runWorkflow } from "../engine/run-workflow.ts";
import type { RunServices } from "../nodes/node-definition.ts";
import { builtinNodes, createNodeRegistry } from "../nodes/registry.ts";
import { buildDefinition } from "../testing/graph-builder.ts";
import { connectMcpServer } from "./mcp-connection.ts";
import {
  type McpTestServer,
  onePixelPng,
  startLegacySseMcpServer,
  startMcpTestServer,
} from "./mcp-test-server.ts";

const registry = createNodeRegistry(builtinNodes);
const local: RunServices = {
  workspaceId: "ws_test",
  apiKeyId: null,
  mode: "workflow",
  allowedHosts: ["127.0.0.1"],
};

/** start(x) → one MCP tool node → end(text, json, files). */
function toolWorkflow(tool: Record<string, unknown>) {
  return buildDefinition(
    [
      ["start", { type: "start", variables: [{ variable: "x", type: "number", required: false }] }],
      ["tool", { type: "tool", provider_type: "mcp", tool_configurations: {}, ...tool }],
      [
        "end",
        {
          type: "end",
          outputs: ["text", "json", "files"].map((name) => ({
            variable: name,
            value_selector: ["tool", name],
          })),
        },
      ],
    ],
    [
      ["start", "tool"],
      ["tool", "end"],
    ],
  );
}

function run(definition: ReturnType<typeof toolWorkflow>, services: RunServices = local) {
  return runWorkflow({
    definition,
    registry,
    services,
    inputs: { x: 2 },
    system: { workflow_run_id: "run_mcp" },
  });
}

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("MCP tools in workflows (real MCP server over Streamable HTTP)", () => {
  let mcp: McpTestServer;
  beforeAll(async () => {
    mcp = await startMcpTestServer();
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it("lists a server's tools with their schemas", async () => {
    const connection = await connectMcpServer(
      { url: mcp.url },
      { allowedHosts: ["127.0.0.1"], signal: new AbortController().signal, timeoutMs: 10_000 },
    );
    try {
      const tools = await connection.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(["add", "fail", "pixel", "shout", "wing_facts"]);
      const add = tools.find((tool) => tool.name === "add");
      expect(add?.description).toBe("Adds two numbers");
      expect(add?.inputSchema).toMatchObject({
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
      });
    } finally {
      await connection.close();
    }
  });

  it("a tool node calls an MCP tool with variable and constant parameters", async () => {
    const outcome = await run(
      toolWorkflow({
        mcp_server_url: mcp.url,
        provider_id: "test-tools",
        tool_name: "add",
        tool_parameters: {
          a: { type: "variable", value: ["start", "x"] },
          b: { type: "constant", value: 40 },
        },
      }),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe("succeeded");
    expect(outcome.outputs).toEqual({ text: "42", json: [], files: [] });
    expect(mcp.calls.at(-1)).toEqual({ name: "add", arguments: { a: 2, b: 40 } });
  });

  it("text from a mixed parameter becomes the number the tool's schema asks for", async () => {
    const outcome = await run(
      toolWorkflow({
        mcp_server_url: mcp.url,
        tool_name: "add",
        tool_parameters: {
          a: { type: "mixed", value: "{{#start.x#}}0" },
          b: { type: "mixed", value: " 1.5 " },
        },
      }),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs.text).toBe("21.5");
    expect(mcp.calls.at(-1)).toEqual({ name: "add", arguments: { a: 20, b: 1.5 } });
  });

  it("JSON text goes to `json` and image content to `files`", async () => {
    const facts = await run(toolWorkflow({ mcp_server_url: mcp.url, tool_name: "wing_facts" }));
    expect(facts.outputs.json).toEqual([{ span: 12.5, sweep: 35 }]);
    const pixel = await run(toolWorkflow({ mcp_server_url: mcp.url, tool_name: "pixel" }));
    expect(pixel.outputs.files).toEqual([
      expect.objectContaining({ type: "image", mime_type: "image/png", content_base64: onePixelPng }),
    ]);
  });

  it("finds the server by Dify's provider_id in the workspace's MCP servers", async () => {
    const asked: string[] = [];
    const services: RunServices = {
      ...local,
      mcpServers: {
        find: async (workspaceId, serverId) => {
          asked.push(`${workspaceId}/${serverId}`);
          return serverId === "wing-tools" ? { url: mcp.url } : undefined;
        },
      },
    };
    const twice = { a: { type: "variable", value: ["start", "x"] }, b: { type: "constant", value: 2 } };
    const found = await run(
      toolWorkflow({ provider_id: "wing-tools", tool_name: "add", tool_parameters: twice }),
      services,
    );
    expect(found.outputs.text).toBe("4");
    expect(asked).toEqual(["ws_test/wing-tools"]);
    const missing = await run(toolWorkflow({ provider_id: "other", tool_name: "add" }), services);
    expect(missing.status).toBe("failed");
    expect(missing.error).toMatch(/MCP server 'other' is not set up in this workspace/);
  });

  it("an error the tool returns is the node's error", async () => {
    const outcome = await run(toolWorkflow({ mcp_server_url: mcp.url, tool_name: "fail" }));
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/MCP tool 'fail' returned an error: .*the wing database is offline/);
  });

  it("an unreachable server, a private one not allow-listed and a bad URL fail clearly", async () => {
    const callsBefore = mcp.calls.length;
    const port = await closedPort();
    const down = await run(
      toolWorkflow({ mcp_server_url: `http://127.0.0.1:${port}/mcp`, tool_name: "add" }),
    );
    expect(down.status).toBe("failed");
    expect(down.error).toMatch(
      new RegExp(`MCP server at http://127.0.0.1:${port}/mcp is unreachable: .*ECONNREFUSED`),
    );
    const blocked = await run(toolWorkflow({ mcp_server_url: mcp.url, tool_name: "add" }), {
      ...local,
      allowedHosts: [],
    });
    expect(blocked.error).toMatch(/unreachable: .*blocked: 127.0.0.1 is a private, loopback/);
    expect(mcp.calls.length).toBe(callsBefore);
    const bad = await run(toolWorkflow({ mcp_server_url: "file:///etc/passwd", tool_name: "add" }));
    expect(bad.error).toMatch(/must start with http/);
  });

  it("falls back to the older HTTP+SSE protocol when the server refuses Streamable HTTP", async () => {
    const legacy = await startLegacySseMcpServer();
    try {
      const outcome = await run(
        toolWorkflow({
          mcp_server_url: legacy.url,
          tool_name: "shout",
          tool_parameters: { input: { type: "mixed", value: "flaps {{#start.x#}}" } },
        }),
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.outputs.text).toBe("FLAPS 2");
      expect(legacy.calls).toEqual([{ name: "shout", arguments: { input: "flaps 2" } }]);
    } finally {
      await legacy.close();
    }
  });

  it("a server that answers with more than 10 MiB is cut off", async () => {
    const flood = createHttpServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let index = 0; index < 12; index++) response.write(chunk);
      response.end("{}");
    });
    await new Promise<void>((resolve) => flood.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = flood.address() as { port: number };
      const outcome = await run(
        toolWorkflow({ mcp_server_url: `http://127.0.0.1:${port}/mcp`, tool_name: "add" }),
      );
      expect(outcome.status).toBe("failed");
      expect(outcome.error).toMatch(/unreachable: .*more than 10485760 bytes/);
    } finally {
      flood.closeAllConnections();
      await new Promise((resolve) => flood.close(resolve));
    }
  });

  it("an unknown tool on a reachable server is the node's error", async () => {
    const outcome = await run(toolWorkflow({ mcp_server_url: mcp.url, tool_name: "no_such_tool" }));
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/has no tool 'no_such_tool'/);
  });

  describe("agent node", () => {
    let upstream: OpenAITestServer;
    let gateway: Gateway;
    beforeAll(async () => {
      upstream = await startOpenAITestServer();
      gateway = createGateway({
        providers: [createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL })],
      });
    });
    afterAll(async () => {
      await gateway?.close();
      await upstream?.close();
    });

    function agentWorkflow(tools: unknown[]) {
      return buildDefinition(
        [
          ["start", { type: "start", variables: [] }],
          [
            "agent",
            {
              type: "agent",
              agent_parameters: {
                model: { value: "double/test-chat" },
                query: { value: "wings lift" },
                tools: { value: tools },
              },
            },
          ],
          ["end", { type: "end", outputs: [{ variable: "text", value_selector: ["agent", "text"] }] }],
        ],
        [
          ["start", "agent"],
          ["agent", "end"],
        ],
      );
    }

    it("offers the MCP server's tool to the model and calls it", async () => {
      const outcome = await run(
        agentWorkflow([
          { type: "mcp", provider_name: "wing-tools", mcp_server_url: mcp.url, tool_name: "shout" },
        ]),
        { ...local, gateway },
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.outputs.text).toBe("Tool said: WINGS LIFT");
      const offered = upstream.chatRequests()[0]?.tools as Array<{ function: Record<string, unknown> }>;
      expect(offered[0]?.function).toMatchObject({
        name: "shout",
        description: "Upper-cases a text",
        parameters: { properties: { input: { type: "string" } } },
      });
      expect(mcp.calls.at(-1)).toEqual({ name: "shout", arguments: { input: "wings lift" } });
    });

    it("fails before asking the model when a named tool is not on the server", async () => {
      const before = upstream.chatRequests().length;
      const outcome = await run(
        agentWorkflow([{ type: "mcp", mcp_server_url: mcp.url, tool_name: "missing_tool" }]),
        { ...local, gateway },
      );
      expect(outcome.error).toMatch(/has no tool 'missing_tool'/);
      expect(upstream.chatRequests().length).toBe(before);
    });
  });
});
