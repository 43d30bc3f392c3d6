import { ifElseDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { type Condition, evaluateConditions } from "./conditions.ts";
import { defineNode } from "./node-definition.ts";

interface Case {
  case_id?: string;
  id?: string;
  logical_operator?: string;
  conditions?: Condition[];
}

/**
 * Chooses the first case whose conditions hold (its `case_id` is the edge handle taken), else
 * "false". DSLs before cases existed keep `conditions` at the top: that is the "true" case.
 */
export const ifElseNode = defineNode({
  type: "if-else",
  branches: true,
  dataSchema: ifElseDataSchema,
  run: async ({ node, pool }) => {
    const data = node.data;
    const cases: Case[] = Array.isArray(data.cases)
      ? (data.cases as Case[])
      : [
          {
            case_id: "true",
            logical_operator: data.logical_operator as string,
            conditions: (data.conditions as Condition[]) ?? [],
          },
        ];
    for (const item of cases) {
      const caseId = item.case_id ?? item.id ?? "true";
      if (evaluateConditions(item.conditions ?? [], item.logical_operator, pool)) {
        return { outputs: { result: true, selected_case_id: caseId }, handle: caseId };
      }
    }
    return { outputs: { result: false, selected_case_id: "false" }, handle: "false" };
  },
});
