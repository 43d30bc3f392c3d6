import { renderTemplate } from "../engine/template-selectors.ts";
import { parameterExtractorDataSchema } from "../node-schemas/model-node-schemas.ts";
import { callModel, modelOf, paramsOf } from "./model-call.ts";
import { defineNode, selectorOf } from "./node-definition.ts";
import { type ParameterType, parameterJsonSchema } from "./value-type-options.ts";

interface Parameter {
  name: string;
  type: ParameterType;
  description?: string;
  required?: boolean;
}

/**
 * Extracts typed parameters from text with the model (JSON schema output); outputs each
 * parameter plus `__is_success` and `__reason` as Dify does.
 */
export const parameterExtractorNode = defineNode({
  type: "parameter-extractor",
  sideEffects: true,
  dataSchema: parameterExtractorDataSchema,
  outputTypes: (data) => ({
    ...Object.fromEntries(
      ((data.parameters as Parameter[] | undefined) ?? []).map((parameter) => [
        parameter.name,
        parameter.type,
      ]),
    ),
    __is_success: "number",
    __reason: "string",
  }),
  run: async (context) => {
    const { node, pool } = context;
    const data = node.data;
    const parameters = (data.parameters as Parameter[] | undefined) ?? [];
    const selector = selectorOf(data.query);
    const query = selector ? String(pool.get(selector) ?? "") : "";
    const schema = {
      type: "object",
      properties: Object.fromEntries(
        parameters.map((parameter) => [
          parameter.name,
          { ...parameterJsonSchema(parameter.type), description: parameter.description ?? "" },
        ]),
      ),
      required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    };
    const instruction = renderTemplate(String(data.instruction ?? ""), pool);
    const answer = await callModel(context, {
      model: modelOf(node, context),
      ...paramsOf(node),
      response_format: { type: "json_schema", json_schema: { name: "parameters", schema } },
      messages: [
        {
          role: "system",
          content: `Extract these parameters from the user's text as JSON matching the schema.${instruction ? `\n${instruction}` : ""}\n${JSON.stringify(schema)}`,
        },
        { role: "user", content: query },
      ],
    });
    let extracted: Record<string, unknown> = {};
    let reason = "";
    try {
      const parsed = JSON.parse(answer.text) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        extracted = parsed as Record<string, unknown>;
      else reason = "The model's answer is not a JSON object";
    } catch {
      reason = "The model's answer is not JSON";
    }
    const outputs: Record<string, unknown> = {};
    for (const parameter of parameters) outputs[parameter.name] = extracted[parameter.name] ?? null;
    const missing = parameters.filter((parameter) => parameter.required && outputs[parameter.name] === null);
    if (!reason && missing.length > 0)
      reason = `Missing required parameters: ${missing.map((item) => item.name).join(", ")}`;
    return {
      outputs: {
        ...outputs,
        __is_success: reason === "" ? 1 : 0,
        __reason: reason || null,
        __usage: answer.usage ?? null,
      },
      inputs: { query },
      tokens: answer.usage?.total_tokens ?? 0,
    };
  },
});
