import { z } from "zod";
import { assignerOperations, assignerWriteModes } from "../nodes/assigner-operations.ts";
import {
  codeOutputTypes,
  iterationErrorModes,
  sortOrders,
  valueSources,
} from "../nodes/value-type-options.ts";
import {
  comparisonOperatorSchema,
  conditionSchema,
  logicalOperatorSchema,
  namedVariablesSchema,
  numberLike,
  selectorSchema,
} from "./schema-parts.ts";

/** The settings of the node types that shape the run's flow and data. Browser-safe: zod only. */

const startVariableSchema = z.looseObject({
  variable: z.string(),
  // Open: the run reads only `number` specially, and Dify adds input types between versions.
  type: z.string(),
  required: z.boolean().nullish(),
  max_length: numberLike.nullish(),
  options: z.array(z.unknown()).nullish(),
});

/** The settings of a `start` node. */
export const startDataSchema = z.looseObject({ variables: z.array(startVariableSchema).nullish() });

/** The settings of an `end` node. */
export const endDataSchema = z.looseObject({
  outputs: z
    .array(z.looseObject({ variable: z.string(), value_selector: selectorSchema.nullish() }))
    .nullish(),
});

/** The settings of an `answer` node. */
export const answerDataSchema = z.looseObject({ answer: z.string().nullish() });

/** The settings of an `if-else` node. */
export const ifElseDataSchema = z.looseObject({
  cases: z
    .array(
      z.looseObject({
        case_id: z.string().nullish(),
        id: z.string().nullish(),
        logical_operator: logicalOperatorSchema.nullish(),
        conditions: z.array(conditionSchema).nullish(),
      }),
    )
    .nullish(),
  // Before cases existed: one "true" case at the top.
  conditions: z.array(conditionSchema).nullish(),
  logical_operator: logicalOperatorSchema.nullish(),
});

/** The settings of an `iteration` node. */
export const iterationDataSchema = z.looseObject({
  iterator_selector: selectorSchema.nullish(),
  output_selector: selectorSchema.nullish(),
  is_parallel: z.boolean().nullish(),
  parallel_nums: numberLike.nullish(),
  error_handle_mode: z.enum(iterationErrorModes).nullish(),
  flatten_output: z.boolean().nullish(),
});

/** The settings of a `loop` node. */
export const loopDataSchema = z.looseObject({
  loop_count: numberLike.nullish(),
  break_conditions: z.array(conditionSchema).nullish(),
  logical_operator: logicalOperatorSchema.nullish(),
  loop_variables: z
    .array(
      z.looseObject({
        label: z.string(),
        var_type: z.string().nullish(),
        value_type: z.enum(valueSources).nullish(),
        value: z.unknown(),
      }),
    )
    .nullish(),
});

/** The settings of a `variable-aggregator` node. */
export const variableAggregatorDataSchema = z.looseObject({
  variables: z.array(selectorSchema).nullish(),
  advanced_settings: z
    .looseObject({
      group_enabled: z.boolean().nullish(),
      groups: z
        .array(z.looseObject({ group_name: z.string(), variables: z.array(selectorSchema).nullish() }))
        .nullish(),
    })
    .nullish(),
});

/** The settings of an `assigner` node. */
export const assignerDataSchema = z.looseObject({
  items: z
    .array(
      z.looseObject({
        variable_selector: selectorSchema.nullish(),
        input_type: z.enum(valueSources).nullish(),
        operation: z.enum(assignerOperations),
        value: z.unknown(),
      }),
    )
    .nullish(),
  assigned_variable_selector: selectorSchema.nullish(),
  write_mode: z.enum(assignerWriteModes).nullish(),
  input_variable_selector: selectorSchema.nullish(),
});

/** The settings of a `list-operator` node. */
export const listOperatorDataSchema = z.looseObject({
  variable: selectorSchema.nullish(),
  filter_by: z
    .looseObject({
      enabled: z.boolean().nullish(),
      conditions: z
        .array(
          z.looseObject({
            key: z.string().nullish(),
            comparison_operator: comparisonOperatorSchema,
            value: z.unknown(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  order_by: z
    .looseObject({
      enabled: z.boolean().nullish(),
      key: z.string().nullish(),
      value: z.enum(sortOrders).nullish(),
    })
    .nullish(),
  limit: z.looseObject({ enabled: z.boolean().nullish(), size: numberLike.nullish() }).nullish(),
  // Dify's serial is text and may be a `{{#…#}}` reference.
  extract_by: z
    .looseObject({ enabled: z.boolean().nullish(), serial: z.union([z.string(), z.number()]).nullish() })
    .nullish(),
});

/** The settings of a `template-transform` node. */
export const templateTransformDataSchema = z.looseObject({
  template: z.string().nullish(),
  variables: namedVariablesSchema.nullish(),
});

/** The settings of a `code` node. */
export const codeDataSchema = z.looseObject({
  code: z.string().nullish(),
  code_language: z.string().nullish(),
  variables: namedVariablesSchema.nullish(),
  outputs: z.record(z.string(), z.looseObject({ type: z.enum(codeOutputTypes).nullish() })).nullish(),
});

/** The settings of a `document-extractor` node. */
export const documentExtractorDataSchema = z.looseObject({ variable_selector: selectorSchema.nullish() });

/** The settings of an `emit-event` node. */
export const emitEventDataSchema = z.looseObject({ topic: z.string().nullish() });

/** The settings of a `human-input` node. */
export const humanInputDataSchema = z.looseObject({
  form_content: z.string().nullish(),
  user_actions: z.array(z.looseObject({ id: z.string(), title: z.string().nullish() })).nullish(),
  inputs: z
    .array(
      z.looseObject({
        output_variable_name: z.string().nullish(),
        variable: z.string().nullish(),
        type: z.string().nullish(),
        label: z.string().nullish(),
        required: z.boolean().nullish(),
      }),
    )
    .nullish(),
  timeout: numberLike.nullish(),
});
