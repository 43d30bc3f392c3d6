import { parseSelector, selectorText } from "./condition-list.tsx";
import { SelectorInput, type Update } from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

/** A tool Nexus runs itself, with the inputs it takes (packages/workflows builtin-tools.ts). */
export interface KnownTool {
  provider: string;
  tool: string;
  label: string;
  inputs: string[];
}

/** The built-in tools; the server has no listing of them, so the page keeps this short list. */
export const knownTools: KnownTool[] = [
  { provider: "time", tool: "current_time", label: "Current time", inputs: ["timezone", "format"] },
  { provider: "json_process", tool: "json_parse", label: "JSON parse", inputs: ["content", "query"] },
];

/** Dify's `{type, value}` tool input: text with `{{#node.var#}}`, a variable, or a constant. */
interface ToolInput {
  type: "mixed" | "variable" | "constant";
  value: unknown;
}

type Inputs = Record<string, ToolInput | string>;

const toolKey = (provider: string, tool: string) => `${provider}/${tool}`;

/** The tool node: which tool, and each of its inputs (from the node's configurations or parameters). */
export function ToolFields({ data, update }: { data: NodeData; update: Update }) {
  const provider = String(data.provider_id ?? data.provider_name ?? "");
  const tool = String(data.tool_name ?? "");
  const known = knownTools.find((item) => toolKey(item.provider, item.tool) === toolKey(provider, tool));
  const configurations = (data.tool_configurations as Inputs | undefined) ?? {};
  const parameters = (data.tool_parameters as Inputs | undefined) ?? {};
  const names = [
    ...new Set([...(known?.inputs ?? []), ...Object.keys(configurations), ...Object.keys(parameters)]),
  ];

  function chooseTool(key: string) {
    const chosen = knownTools.find((item) => toolKey(item.provider, item.tool) === key);
    if (!chosen) return;
    update({
      provider_id: chosen.provider,
      provider_name: chosen.provider,
      provider_type: "builtin",
      tool_name: chosen.tool,
      tool_label: chosen.label,
      tool_configurations: {},
      tool_parameters: {},
    });
  }

  /** Writes an input where the node holds it already (imported tools keep some in configurations). */
  function setInput(name: string, input: ToolInput) {
    const inConfigurations = name in configurations;
    const target = { ...(inConfigurations ? configurations : parameters), [name]: input };
    update(inConfigurations ? { tool_configurations: target } : { tool_parameters: target });
  }

  return (
    <>
      <label className="wf-field">
        Tool
        <select
          aria-label="Tool"
          value={known ? toolKey(known.provider, known.tool) : ""}
          onChange={(event) => chooseTool(event.target.value)}
        >
          {!known && (
            <option value="">{tool ? `${provider}/${tool} (not built in)` : "Choose a tool"}</option>
          )}
          {knownTools.map((item) => (
            <option key={toolKey(item.provider, item.tool)} value={toolKey(item.provider, item.tool)}>
              {item.label} ({item.provider})
            </option>
          ))}
        </select>
      </label>
      <fieldset className="wf-rows">
        <legend>Tool inputs</legend>
        {names.length === 0 && <p className="muted">This tool takes no inputs.</p>}
        {names.map((name) => (
          <ToolInputRow
            key={name}
            name={name}
            input={configurations[name] ?? parameters[name]}
            onChange={(input) => setInput(name, input)}
          />
        ))}
        <p className="muted">
          Text may hold variables as {"{{#node.variable#}}"}; empty inputs use the tool's default.
        </p>
      </fieldset>
    </>
  );
}

function ToolInputRow({
  name,
  input,
  onChange,
}: {
  name: string;
  input: ToolInput | string | undefined;
  onChange: (input: ToolInput) => void;
}) {
  const current: ToolInput =
    typeof input === "string" ? { type: "mixed", value: input } : (input ?? { type: "mixed", value: "" });
  const isVariable = current.type === "variable";
  const text = isVariable ? selectorText(current.value) : String(current.value ?? "");
  return (
    <div className="wf-row">
      <span className="wf-inline">{name}</span>
      <select
        aria-label={`Tool input ${name} kind`}
        value={current.type}
        onChange={(event) => {
          const type = event.target.value as ToolInput["type"];
          onChange({ type, value: type === "variable" ? parseSelector(text) : text });
        }}
      >
        <option value="mixed">text</option>
        <option value="variable">variable</option>
        <option value="constant">constant</option>
      </select>
      {isVariable ? (
        <SelectorInput
          aria-label={`Tool input ${name}`}
          value={current.value}
          onChange={(value) => onChange({ type: "variable", value })}
        />
      ) : (
        <input
          aria-label={`Tool input ${name}`}
          value={text}
          onChange={(event) => onChange({ type: current.type, value: event.target.value })}
        />
      )}
    </div>
  );
}
