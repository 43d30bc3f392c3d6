import { renderTemplate } from "../engine/template-selectors.ts";
import { answerDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode } from "./node-definition.ts";

/**
 * A chat reply: its template rendered. The text reaches the client through the response
 * coordinator (streamed as its variables arrive); the node's output is the whole text.
 */
export const answerNode = defineNode({
  type: "answer",
  dataSchema: answerDataSchema,
  run: async ({ node, pool }) => ({
    outputs: { answer: renderTemplate(String(node.data.answer ?? ""), pool) },
  }),
});
