import {
  CheckboxField,
  ListInput,
  ModelField,
  SelectorField,
  TextArea,
  type Update,
} from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

interface Parameter {
  name: string;
  type: string;
  description: string;
  required: boolean;
  options?: string[];
}

/** Dify's parameter types; each becomes a JSON schema type the model answers in. */
const parameterTypes = [
  "string",
  "number",
  "boolean",
  "select",
  "array[string]",
  "array[number]",
  "array[object]",
  "array[boolean]",
];

/**
 * The parameter extractor: the text it reads, the model, and the parameters it pulls out (each
 * one an output of the node, with `__is_success` and `__reason`).
 */
export function ParameterExtractorFields({ data, update }: { data: NodeData; update: Update }) {
  const parameters = Array.isArray(data.parameters) ? (data.parameters as Parameter[]) : [];
  const set = (index: number, patch: Partial<Parameter>) =>
    update({ parameters: parameters.map((item, at) => (at === index ? { ...item, ...patch } : item)) });
  return (
    <>
      <ModelField data={data} update={update} />
      <SelectorField label="Extract from" value={data.query} onChange={(query) => update({ query })} />
      <fieldset className="wf-rows">
        <legend>Parameters</legend>
        {parameters.map((parameter, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity
          <div className="wf-condition" key={index}>
            <div className="wf-row">
              <input
                aria-label={`Parameter ${index + 1} name`}
                placeholder="name"
                value={parameter.name}
                onChange={(event) => set(index, { name: event.target.value })}
              />
              <select
                aria-label={`Parameter ${index + 1} type`}
                value={parameter.type}
                onChange={(event) => set(index, { type: event.target.value })}
              >
                {parameterTypes.map((type) => (
                  <option key={type}>{type}</option>
                ))}
              </select>
            </div>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove parameter ${index + 1}`}
              onClick={() => update({ parameters: parameters.filter((_item, at) => at !== index) })}
            >
              ×
            </button>
            <input
              aria-label={`Parameter ${index + 1} description`}
              placeholder="what it is, for the model"
              value={parameter.description ?? ""}
              onChange={(event) => set(index, { description: event.target.value })}
            />
            <CheckboxField
              label="required"
              checked={Boolean(parameter.required)}
              onChange={(required) => set(index, { required })}
            />
            {parameter.type === "select" && (
              <ListInput
                separator=","
                aria-label={`Parameter ${index + 1} options`}
                placeholder="options, comma-separated"
                value={parameter.options ?? []}
                onChange={(options) => set(index, { options })}
              />
            )}
          </div>
        ))}
        <button
          type="button"
          className="secondary small-button"
          onClick={() =>
            update({
              parameters: [...parameters, { name: "", type: "string", description: "", required: false }],
            })
          }
        >
          Add parameter
        </button>
      </fieldset>
      <TextArea
        label="Instruction"
        placeholder="extra guidance for the model; may hold {{#node.variable#}}"
        value={String(data.instruction ?? "")}
        onChange={(instruction) => update({ instruction })}
      />
      <label className="wf-field">
        Reasoning mode
        <select
          value={String(data.reasoning_mode ?? "prompt")}
          onChange={(event) => update({ reasoning_mode: event.target.value })}
        >
          <option value="prompt">Prompt</option>
          <option value="function_call">Function call</option>
        </select>
      </label>
    </>
  );
}
