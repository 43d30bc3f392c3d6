import { CheckboxField, TextArea, type Update } from "./form-fields.tsx";
import { knownTools } from "./tool-config.tsx";
import type { NodeData } from "./workflow-types.ts";

interface AgentTool {
  provider_name?: string;
  provider_id?: string;
  tool_name: string;
  tool_label?: string;
  enabled?: boolean;
}

const isOn = (tool: AgentTool | undefined) => tool !== undefined && tool.enabled !== false;

type Parameters = Record<string, { type?: string; value?: unknown } | undefined>;

/**
 * The agent node: the model, its instruction, the query it answers, the built-in tools it may
 * call and how many rounds it gets. Settings are Dify's `agent_parameters.<name>.value`.
 */
export function AgentFields({ data, update }: { data: NodeData; update: Update }) {
  const parameters = (data.agent_parameters as Parameters | undefined) ?? {};
  // Older exports hold plain values at the top level; the form reads them and writes Dify's shape.
  const value = (name: string): unknown => {
    const entry = parameters[name];
    return entry && typeof entry === "object" && "value" in entry ? entry.value : data[name];
  };
  const set = (name: string, next: unknown) =>
    update({ agent_parameters: { ...parameters, [name]: { type: "constant", value: next } } });

  const model = value("model");
  const modelName =
    typeof model === "string"
      ? model
      : String(
          (model as { model?: string; name?: string } | undefined)?.model ??
            (model as { name?: string })?.name ??
            "",
        );
  const tools = (value("tools") as AgentTool[] | undefined) ?? [];
  const toolOf = (provider: string, name: string) =>
    tools.find((item) => (item.provider_name ?? item.provider_id) === provider && item.tool_name === name);
  function toggleTool(provider: string, name: string, label: string, enabled: boolean) {
    const others = tools.filter((item) => item !== toolOf(provider, name));
    set(
      "tools",
      enabled
        ? [
            ...others,
            {
              provider_name: provider,
              provider_type: "builtin",
              tool_name: name,
              tool_label: label,
              enabled: true,
            },
          ]
        : others,
    );
  }
  const unknown = tools.filter(
    (item) => !knownTools.some((known) => toolOf(known.provider, known.tool) === item),
  );

  return (
    <>
      <label className="wf-field">
        Model
        <input
          placeholder="provider/model (empty: the default model)"
          value={modelName}
          onChange={(event) =>
            set("model", {
              ...(typeof model === "object" && model ? model : {}),
              provider: "",
              model: event.target.value,
              model_type: "llm",
              mode: "chat",
            })
          }
        />
      </label>
      <label className="wf-field">
        Strategy
        <select
          value={String(data.agent_strategy_name ?? "function_calling")}
          onChange={(event) =>
            update({
              agent_strategy_name: event.target.value,
              agent_strategy_label: event.target.value === "ReAct" ? "ReAct" : "FunctionCalling",
            })
          }
        >
          <option value="function_calling">Function calling</option>
          <option value="ReAct">ReAct (runs as function calling)</option>
        </select>
      </label>
      <TextArea
        label="Instruction"
        value={String(value("instruction") ?? "")}
        onChange={(text) => set("instruction", text)}
      />
      <TextArea
        label="Query"
        placeholder="{{#sys.query#}} or {{#node.variable#}}"
        value={String(value("query") ?? "")}
        onChange={(text) => set("query", text)}
      />
      <fieldset className="wf-rows">
        <legend>Tools</legend>
        {knownTools.map((known) => (
          <CheckboxField
            key={`${known.provider}/${known.tool}`}
            label={`${known.label} (${known.provider})`}
            checked={isOn(toolOf(known.provider, known.tool))}
            onChange={(checked) => toggleTool(known.provider, known.tool, known.label, checked)}
          />
        ))}
        {unknown.map((item) => (
          <p key={item.tool_name} className="muted">
            {item.tool_name} ({item.provider_name ?? item.provider_id}): not built in, edit as JSON
          </p>
        ))}
      </fieldset>
      <label className="wf-field">
        Rounds at most
        <input
          type="number"
          min={1}
          max={20}
          value={Number(value("maximum_iterations") ?? 5)}
          onChange={(event) => set("maximum_iterations", Number(event.target.value))}
        />
      </label>
    </>
  );
}
