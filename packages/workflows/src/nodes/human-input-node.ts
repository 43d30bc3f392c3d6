import { renderTemplate } from "../engine/template-selectors.ts";
import { humanInputDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode } from "./node-definition.ts";

interface UserAction {
  id: string;
  title?: string;
}

interface FormInput {
  output_variable_name?: string;
  variable?: string;
  type?: string;
  label?: string;
  required?: boolean;
}

/**
 * Pauses the run until a person answers through the API (or the web page): the form's fields
 * become the node's outputs and the chosen action (one of `user_actions`) is the edge handle
 * taken. Waits up to `timeout` seconds (default 24 h) instead of the usual node limit.
 */
export const humanInputNode = defineNode({
  type: "human-input",
  branches: true,
  waitsForPeople: true,
  dataSchema: humanInputDataSchema,
  run: async ({ node, pool, services, signal }) => {
    if (!services.awaitHumanInput)
      throw new Error("This run cannot wait for a person (no API to answer through)");
    const data = node.data;
    const actions = ((data.user_actions as UserAction[] | undefined) ?? []).filter(
      (action) => typeof action?.id === "string",
    );
    const fields = ((data.inputs as FormInput[] | undefined) ?? []).map((field) => ({
      name: String(field.output_variable_name ?? field.variable ?? ""),
      type: field.type ?? "text-input",
      label: field.label ?? "",
      required: field.required === true,
    }));
    const answer = await services.awaitHumanInput({
      nodeId: node.id,
      title: data.title,
      formContent: renderTemplate(String(data.form_content ?? ""), pool),
      fields,
      actions: actions.map((action) => ({ id: action.id, title: action.title ?? action.id })),
      signal,
    });
    for (const field of fields) {
      if (field.required && (answer.values[field.name] === undefined || answer.values[field.name] === "")) {
        throw new Error(`The answer has no '${field.name}', which the form requires`);
      }
    }
    const handle = actions.length > 0 ? (answer.action ?? "") : "source";
    if (actions.length > 0 && !actions.some((action) => action.id === handle)) {
      throw new Error(
        `'${handle}' is not one of this form's actions (${actions.map((action) => action.id).join(", ")})`,
      );
    }
    return {
      outputs: { ...answer.values, __action_id: handle },
      inputs: { form: fields.map((field) => field.name) },
      handle,
    };
  },
});
