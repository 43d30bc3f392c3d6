import { z } from "zod";
import { errorStrategies } from "../engine/error-strategies.ts";
import { comparisonOperators, logicalOperators } from "../nodes/comparison-operators.ts";

/**
 * Building blocks for the node types' `dataSchema`: the shapes Dify's node settings share, checked
 * for type only. Every object is loose (Dify DSLs carry editor fields we do not read) and every
 * optional setting is `nullish` (Dify writes null for unset ones).
 */

/** A value of the given description, checked by `accepts`; the issue says what was expected. */
export function expecting(expected: string, accepts: (value: unknown) => boolean) {
  return z.unknown().refine(accepts, { params: { expected } });
}

const numericText = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number, or the text of one: the engine reads these with Number(), as Dify's pydantic models coerce them. */
export const numberLike = expecting(
  "a number",
  (value) =>
    (typeof value === "number" && Number.isFinite(value)) ||
    (typeof value === "string" && numericText.test(value)),
);

/** A variable's address, `[nodeId, name, ...path]`; empty when unset. */
export const selectorSchema = z.array(z.string());

/** `[{ variable, value_selector }]`: the named inputs of code, template-transform and jinja2 prompts. */
export const namedVariablesSchema = z.array(
  z.looseObject({ variable: z.string(), value_selector: selectorSchema.nullish() }),
);

export const logicalOperatorSchema = z.enum(logicalOperators);

/** One of the operators `evaluateCondition` implements, by Dify's spelling ("≥", "not contains"). */
export const comparisonOperatorSchema = z.enum(comparisonOperators);

/** One condition of if-else cases and loop break conditions. */
export const conditionSchema = z.looseObject({
  variable_selector: selectorSchema.nullish(),
  comparison_operator: comparisonOperatorSchema,
  value: z.unknown(),
});

/** Dify's `model`: the gateway model name and its completion parameters. */
export const modelSettingsSchema = z.looseObject({
  provider: z.string().nullish(),
  name: z.string().nullish(),
  mode: z.string().nullish(),
  completion_params: z.record(z.string(), z.unknown()).nullish(),
});

/** The conversation memory of llm, parameter-extractor and question-classifier nodes. */
export const memorySchema = z.looseObject({
  window: z.looseObject({ enabled: z.boolean().nullish(), size: numberLike.nullish() }).nullish(),
  query_prompt_template: z.string().nullish(),
});

/** Settings the engine reads on every node: retries and the error strategy. */
export const commonNodeDataSchema = z.looseObject({
  retry_config: z
    .looseObject({
      enabled: z.boolean().nullish(),
      max_retries: numberLike.nullish(),
      retry_interval: numberLike.nullish(),
    })
    .nullish(),
  error_strategy: z.enum(errorStrategies).nullish(),
  default_value: z.array(z.looseObject({ key: z.string() })).nullish(),
});
