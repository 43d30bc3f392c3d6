import { templateTransformDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode } from "./node-definition.ts";
import { namedVariables } from "./node-variables.ts";

type RenderJinja = (template: string, variables: Record<string, unknown>) => string;
let renderJinja: RenderJinja | undefined;

/** Loads the Jinja renderer once (the templates module, owned beside the engine). */
export async function jinjaRenderer(): Promise<RenderJinja> {
  if (!renderJinja) renderJinja = (await import("../templates/render-jinja.ts")).renderJinja as RenderJinja;
  return renderJinja;
}

/** Renders a Jinja2 template over its variables; output `output`. */
export const templateTransformNode = defineNode({
  type: "template-transform",
  dataSchema: templateTransformDataSchema,
  outputTypes: () => ({ output: "string" }),
  run: async ({ node, pool }) => {
    const variables = namedVariables(node.data.variables, pool);
    const render = renderJinja ?? (await jinjaRenderer());
    return { outputs: { output: render(String(node.data.template ?? ""), variables) }, inputs: variables };
  },
});
