import type { ChatMessage } from "@nexus/gateway";
import { renderTemplate, textOf } from "../engine/template-selectors.ts";
import type { VariablePool } from "../engine/variable-pool.ts";
import { llmDataSchema } from "../node-schemas/model-node-schemas.ts";
import { callModel, modelOf, paramsOf } from "./model-call.ts";
import { defineNode, type NodeContext, selectorOf } from "./node-definition.ts";
import { namedVariables } from "./node-variables.ts";
import { jinjaRenderer } from "./template-transform-node.ts";

interface PromptMessage {
  role?: "system" | "user" | "assistant";
  text?: string;
  edition_type?: "basic" | "jinja2";
  jinja2_text?: string;
}

interface Memory {
  window?: { enabled?: boolean; size?: number };
  query_prompt_template?: string;
}

async function renderPrompt(
  message: PromptMessage,
  context: NodeContext,
  contextText: string,
): Promise<string> {
  const { node, pool } = context;
  if (message.edition_type === "jinja2") {
    const render = await jinjaRenderer();
    const config = node.data.prompt_config as { jinja2_variables?: unknown } | undefined;
    return render(message.jinja2_text ?? message.text ?? "", namedVariables(config?.jinja2_variables, pool));
  }
  return renderTemplate((message.text ?? "").replaceAll("{{#context#}}", contextText), pool);
}

function visionParts(
  context: NodeContext,
  pool: VariablePool,
): Array<{ type: "image_url"; image_url: { url: string } }> {
  const vision = context.node.data.vision as
    | { enabled?: boolean; configs?: { variable_selector?: string[] } }
    | undefined;
  if (!vision?.enabled) return [];
  const selector = selectorOf(vision.configs?.variable_selector) ?? ["sys", "files"];
  const value = pool.get(selector);
  const files = Array.isArray(value) ? value : value ? [value] : [];
  return files
    .map((file) => (file as { url?: string; remote_url?: string; type?: string }) ?? {})
    .filter((file) => (file.type ?? "image") === "image" && (file.url ?? file.remote_url))
    .map((file) => ({
      type: "image_url" as const,
      image_url: { url: (file.url ?? file.remote_url) as string },
    }));
}

/**
 * A model call through the gateway: the prompt template (basic `{{#…#}}` or jinja2), the
 * context variable, the conversation's memory window and query (advanced-chat), images (vision),
 * and a JSON schema (structured output). Streams `text` to answers that show it.
 */
export const llmNode = defineNode({
  type: "llm",
  sideEffects: true,
  streamedOutputs: ["text"],
  dataSchema: llmDataSchema,
  outputTypes: () => ({ text: "string" }),
  run: async (context) => {
    const { node, pool, services } = context;
    const data = node.data;
    const contextSettings = data.context as { enabled?: boolean; variable_selector?: string[] } | undefined;
    const contextSelector = contextSettings?.enabled
      ? selectorOf(contextSettings.variable_selector)
      : undefined;
    const contextText = contextSelector ? textOf(pool.get(contextSelector)) : "";
    const messages: ChatMessage[] = [];
    const template = data.prompt_template;
    const prompts: PromptMessage[] = Array.isArray(template)
      ? (template as PromptMessage[])
      : [{ role: "user", ...(template as PromptMessage) }];
    for (const prompt of prompts) {
      const text = await renderPrompt(prompt, context, contextText);
      if (text === "" && prompt.role === "system") continue;
      messages.push({ role: prompt.role ?? "user", content: text } as ChatMessage);
    }
    const memory = data.memory as Memory | undefined;
    if (memory && services.mode === "advanced-chat") {
      // As Dify: a memory setting brings the history; the window, when on, caps it at `size` messages.
      if (services.memory && services.memory.length > 0) {
        const size = memory.window?.enabled ? Math.max(1, Number(memory.window.size ?? 50)) : 500;
        const history = services.memory.slice(-size);
        const firstNonSystem = messages.findIndex((message) => message.role !== "system");
        messages.splice(firstNonSystem === -1 ? messages.length : firstNonSystem, 0, ...history);
      }
      // Files in the query template reach the model as attachments (vision), not as text.
      const queryTemplate = (memory.query_prompt_template || "{{#sys.query#}}").replaceAll(
        "{{#sys.files#}}",
        "",
      );
      const query = renderTemplate(queryTemplate, pool).trim();
      if (query !== "") messages.push({ role: "user", content: query });
    }
    const images = visionParts(context, pool);
    if (images.length > 0) {
      const last = [...messages].reverse().find((message) => message.role === "user");
      if (last) last.content = [{ type: "text", text: String(last.content) }, ...images];
      else messages.push({ role: "user", content: images });
    }
    if (messages.length === 0) messages.push({ role: "user", content: "" });
    const structured =
      data.structured_output_enabled === true
        ? (data.structured_output as { schema?: Record<string, unknown> } | undefined)?.schema
        : undefined;
    const request = {
      model: modelOf(node, context),
      messages,
      ...paramsOf(node),
      ...(structured
        ? {
            response_format: {
              type: "json_schema" as const,
              json_schema: { name: "output", schema: structured },
            },
          }
        : {}),
    };
    const answer = await callModel(context, request, (text) => context.emitChunk("text", text));
    const outputs: Record<string, unknown> = {
      text: answer.text,
      usage: answer.usage ?? null,
      finish_reason: answer.finishReason,
    };
    if (structured) {
      try {
        outputs.structured_output = JSON.parse(answer.text);
      } catch {
        throw new Error("The model's answer is not the JSON the structured output asks for");
      }
    }
    return { outputs, inputs: { model: request.model, messages }, tokens: answer.usage?.total_tokens ?? 0 };
  },
});
