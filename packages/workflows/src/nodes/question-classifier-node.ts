import { renderTemplate } from "../engine/template-selectors.ts";
import { questionClassifierDataSchema } from "../node-schemas/model-node-schemas.ts";
import { callModel, modelOf, paramsOf } from "./model-call.ts";
import { defineNode, selectorOf } from "./node-definition.ts";

interface ClassItem {
  id: string;
  name: string;
}

/**
 * Asks the model which class a text belongs to; the chosen class id is the edge handle taken.
 * An answer naming no class picks the first, as Dify does.
 */
export const questionClassifierNode = defineNode({
  type: "question-classifier",
  sideEffects: true,
  branches: true,
  dataSchema: questionClassifierDataSchema,
  outputTypes: () => ({ class_name: "string", class_id: "string" }),
  run: async (context) => {
    const { node, pool } = context;
    const data = node.data;
    const classes = (data.classes as ClassItem[] | undefined) ?? [];
    if (classes.length === 0) throw new Error("The classifier has no classes");
    const selector = selectorOf(data.query_variable_selector);
    const query = selector ? String(pool.get(selector) ?? "") : "";
    const instruction = renderTemplate(String(data.instruction ?? ""), pool);
    const list = classes.map((item) => `- ${item.id}: ${item.name}`).join("\n");
    const answer = await callModel(context, {
      model: modelOf(node, context),
      ...paramsOf(node),
      messages: [
        {
          role: "system",
          content: `Classify the user's text into exactly one of these categories and answer with JSON {"category_id": "<id>"} only.\n${list}${instruction ? `\n${instruction}` : ""}`,
        },
        { role: "user", content: query },
      ],
    });
    const chosen =
      classes.find((item) => answer.text.includes(`"${item.id}"`)) ??
      classes.find((item) => answer.text.includes(item.name)) ??
      (classes[0] as ClassItem);
    return {
      outputs: { class_name: chosen.name, class_id: chosen.id, usage: answer.usage ?? null },
      inputs: { query },
      handle: chosen.id,
      tokens: answer.usage?.total_tokens ?? 0,
    };
  },
});
