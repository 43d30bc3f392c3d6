import { z } from "zod";
import { parameterTypes } from "../nodes/value-type-options.ts";
import {
  memorySchema,
  modelSettingsSchema,
  namedVariablesSchema,
  numberLike,
  selectorSchema,
} from "./schema-parts.ts";

/** The settings of the node types that call a model or a knowledge base. Browser-safe: zod only. */

/** One message of an llm prompt. */
const promptMessageSchema = z.looseObject({
  role: z.enum(["system", "user", "assistant"]).nullish(),
  text: z.string().nullish(),
  edition_type: z.enum(["basic", "jinja2"]).nullish(),
  jinja2_text: z.string().nullish(),
});

const selectorSettingSchema = z.looseObject({
  enabled: z.boolean().nullish(),
  variable_selector: selectorSchema.nullish(),
});

/** The settings of an `llm` node. */
export const llmDataSchema = z.looseObject({
  model: modelSettingsSchema.nullish(),
  // Chat models take a list of messages; completion models one template.
  prompt_template: z.union([z.array(promptMessageSchema), promptMessageSchema]).nullish(),
  prompt_config: z.looseObject({ jinja2_variables: namedVariablesSchema.nullish() }).nullish(),
  memory: memorySchema.nullish(),
  context: selectorSettingSchema.nullish(),
  vision: z
    .looseObject({
      enabled: z.boolean().nullish(),
      configs: z.looseObject({ variable_selector: selectorSchema.nullish() }).nullish(),
    })
    .nullish(),
  structured_output_enabled: z.boolean().nullish(),
  structured_output: z.looseObject({ schema: z.record(z.string(), z.unknown()).nullish() }).nullish(),
});

/** The settings of a `question-classifier` node. */
export const questionClassifierDataSchema = z.looseObject({
  model: modelSettingsSchema.nullish(),
  query_variable_selector: selectorSchema.nullish(),
  classes: z.array(z.looseObject({ id: z.string(), name: z.string() })).nullish(),
  instruction: z.string().nullish(),
  memory: memorySchema.nullish(),
});

/** The settings of a `parameter-extractor` node. */
export const parameterExtractorDataSchema = z.looseObject({
  model: modelSettingsSchema.nullish(),
  query: selectorSchema.nullish(),
  parameters: z
    .array(
      z.looseObject({
        name: z.string(),
        type: z.enum(parameterTypes),
        description: z.string().nullish(),
        required: z.boolean().nullish(),
      }),
    )
    .nullish(),
  instruction: z.string().nullish(),
  memory: memorySchema.nullish(),
});

const retrievalConfigSchema = z.looseObject({
  top_k: numberLike.nullish(),
  score_threshold: numberLike.nullish(),
});

/** The settings of a `knowledge-retrieval` node. */
export const knowledgeRetrievalDataSchema = z.looseObject({
  query_variable_selector: selectorSchema.nullish(),
  dataset_ids: z.array(z.union([z.string(), z.number()])).nullish(),
  multiple_retrieval_config: retrievalConfigSchema.nullish(),
  single_retrieval_config: retrievalConfigSchema.nullish(),
});

/** Dify's agent parameters are `{ name: { value } }`; older exports hold plain values. */
export function agentParameter(data: Record<string, unknown>, name: string): unknown {
  const parameters = (data.agent_parameters ?? {}) as Record<string, { value?: unknown } | undefined>;
  const entry = parameters[name];
  return entry && typeof entry === "object" && "value" in entry ? entry.value : data[name];
}

/** Where a parameter lives: `agent_parameters.<name>.value`, or `<name>` in older exports. */
function parameterPath(data: Record<string, unknown>, name: string): string[] {
  const parameters = data.agent_parameters as Record<string, unknown> | null | undefined;
  const entry = parameters?.[name];
  return entry && typeof entry === "object" && "value" in entry
    ? ["agent_parameters", name, "value"]
    : [name];
}

/** The parameters the agent reads, wherever the export keeps them. */
const agentParameterSchemas: Record<string, z.ZodType> = {
  tools: z.array(
    z.looseObject({
      tool_name: z.string(),
      provider_name: z.string().nullish(),
      provider_id: z.string().nullish(),
      enabled: z.boolean().nullish(),
    }),
  ),
  instruction: z.string(),
  query: z.string(),
  maximum_iterations: numberLike,
  model: z.union([z.string(), z.looseObject({ model: z.string().nullish(), name: z.string().nullish() })]),
};

/** The settings of an `agent` node: each parameter it reads, where the export keeps it. */
export const agentDataSchema = z
  .looseObject({ agent_parameters: z.record(z.string(), z.unknown()).nullish() })
  .superRefine((data, context) => {
    for (const [name, schema] of Object.entries(agentParameterSchemas)) {
      const value = agentParameter(data, name);
      if (value === undefined || value === null) continue;
      const parsed = schema.safeParse(value, { reportInput: true });
      for (const { message: _message, ...issue } of parsed.error?.issues ?? []) {
        // Without its message, the issue is worded by the caller's error map like any other.
        context.addIssue({ ...issue, path: [...parameterPath(data, name), ...issue.path] } as never);
      }
    }
  });
