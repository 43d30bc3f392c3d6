import { AgentFields } from "./agent-config.tsx";
import { AssignerFields } from "./assigner-config.tsx";
import { ClassifierFields, IfElseFields } from "./branch-config.tsx";
import { CodeOutputsField } from "./code-outputs-field.tsx";
import { IterationFields, LoopFields } from "./container-config.tsx";
import { ModelField, TextArea, type Update, type VariableRow, VariableRows } from "./form-fields.tsx";
import { HttpFields } from "./http-request-config.tsx";
import { JsonDataEditor } from "./json-data-editor.tsx";
import { ListOperatorFields } from "./list-operator-config.tsx";
import { labelOf } from "./node-types.ts";
import { ParameterExtractorFields } from "./parameter-extractor-config.tsx";
import { SelectorOptions } from "./selector-options.tsx";
import { ToolFields } from "./tool-config.tsx";
import type { GraphNode, NodeData } from "./workflow-types.ts";

/** Node types with a form; the others are edited as JSON, shown unfolded. */
const typesWithForm = new Set([
  "start",
  "end",
  "answer",
  "llm",
  "code",
  "template-transform",
  "http-request",
  "if-else",
  "iteration",
  "loop",
  "question-classifier",
  "tool",
  "agent",
  "parameter-extractor",
  "list-operator",
  "assigner",
]);

/** Edits the selected node: title and the settings of its type, or any type's data as JSON. */
export function NodeConfigPanel({
  node,
  graphNodes,
  chat,
  onChange,
  onDelete,
}: {
  node: GraphNode;
  /** Every node of the graph, for the selector suggestions. */
  graphNodes: GraphNode[];
  /** An advanced-chat workflow (it has `sys.query`). */
  chat: boolean;
  onChange: (data: NodeData) => void;
  onDelete: () => void;
}) {
  const data = node.data;
  const update: Update = (patch) => onChange({ ...data, ...patch });
  return (
    <section className="wf-panel" aria-label="Node settings">
      <header className="wf-panel-head">
        <h3>{labelOf(data.type)} settings</h3>
        <button type="button" className="secondary small-button" onClick={onDelete}>
          Delete node
        </button>
      </header>
      {data._unsupported && (
        <p className="error" role="note">
          This node cannot run here: {data._unsupported}
        </p>
      )}
      <label className="wf-field">
        Title
        <input value={data.title} onChange={(event) => update({ title: event.target.value })} />
      </label>
      <SelectorOptions nodes={graphNodes} current={node} chat={chat} />
      <TypeFields data={data} update={update} />
      {!typesWithForm.has(data.type) && (
        <p className="muted">This node type has no form: edit its settings as JSON.</p>
      )}
      <JsonDataEditor key={node.id} data={data} onChange={onChange} open={!typesWithForm.has(data.type)} />
    </section>
  );
}

function TypeFields({ data, update }: { data: NodeData; update: Update }) {
  switch (data.type) {
    case "start":
      return <StartVariables data={data} update={update} />;
    case "end":
      return (
        <VariableRows
          label="Outputs"
          rows={(data.outputs as VariableRow[]) ?? []}
          onChange={(outputs) => update({ outputs })}
        />
      );
    case "answer":
      return (
        <TextArea
          label="Answer"
          value={String(data.answer ?? "")}
          onChange={(answer) => update({ answer })}
        />
      );
    case "llm":
      return <LlmFields data={data} update={update} />;
    case "code":
      return (
        <>
          <label className="wf-field">
            Language
            <select
              value={String(data.code_language ?? "python3")}
              onChange={(event) => update({ code_language: event.target.value })}
            >
              <option value="python3">Python 3</option>
              <option value="javascript">JavaScript</option>
            </select>
          </label>
          <VariableRows
            label="Input variables"
            rows={(data.variables as VariableRow[]) ?? []}
            onChange={(variables) => update({ variables })}
          />
          <TextArea label="Code" code value={String(data.code ?? "")} onChange={(code) => update({ code })} />
          <CodeOutputsField outputs={data.outputs} update={update} />
        </>
      );
    case "template-transform":
      return (
        <>
          <VariableRows
            label="Variables"
            rows={(data.variables as VariableRow[]) ?? []}
            onChange={(variables) => update({ variables })}
          />
          <TextArea
            label="Template (Jinja2)"
            code
            value={String(data.template ?? "")}
            onChange={(template) => update({ template })}
          />
        </>
      );
    case "http-request":
      return <HttpFields data={data} update={update} />;
    case "if-else":
      return <IfElseFields data={data} update={update} />;
    case "iteration":
      return <IterationFields data={data} update={update} />;
    case "loop":
      return <LoopFields data={data} update={update} />;
    case "tool":
      return <ToolFields data={data} update={update} />;
    case "agent":
      return <AgentFields data={data} update={update} />;
    case "parameter-extractor":
      return <ParameterExtractorFields data={data} update={update} />;
    case "list-operator":
      return <ListOperatorFields data={data} update={update} />;
    case "assigner":
      return <AssignerFields data={data} update={update} />;
    case "question-classifier":
      return (
        <>
          <LlmFields data={data} update={update} />
          <ClassifierFields data={data} update={update} />
        </>
      );
    default:
      return null;
  }
}

function StartVariables({ data, update }: { data: NodeData; update: Update }) {
  const variables = (data.variables as Record<string, unknown>[]) ?? [];
  const set = (index: number, patch: Record<string, unknown>) =>
    update({ variables: variables.map((item, at) => (at === index ? { ...item, ...patch } : item)) });
  return (
    <fieldset className="wf-rows">
      <legend>Inputs</legend>
      {variables.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity
        <div className="wf-row" key={index}>
          <input
            aria-label={`Input ${index + 1} name`}
            value={String(item.variable ?? "")}
            onChange={(event) => set(index, { variable: event.target.value, label: event.target.value })}
          />
          <select
            aria-label={`Input ${index + 1} type`}
            value={String(item.type ?? "text-input")}
            onChange={(event) => set(index, { type: event.target.value })}
          >
            <option value="text-input">Text</option>
            <option value="paragraph">Paragraph</option>
            <option value="number">Number</option>
            <option value="select">Select</option>
          </select>
          <label className="wf-inline">
            <input
              type="checkbox"
              checked={Boolean(item.required)}
              onChange={(event) => set(index, { required: event.target.checked })}
            />
            required
          </label>
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove input ${index + 1}`}
            onClick={() => update({ variables: variables.filter((_item, at) => at !== index) })}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary small-button"
        onClick={() =>
          update({
            variables: [
              ...variables,
              { variable: "", label: "", type: "text-input", required: true, options: [] },
            ],
          })
        }
      >
        Add input
      </button>
    </fieldset>
  );
}

function LlmFields({ data, update }: { data: NodeData; update: Update }) {
  const prompts = Array.isArray(data.prompt_template)
    ? (data.prompt_template as { role: string; text: string }[])
    : [];
  return (
    <>
      <ModelField data={data} update={update} />
      {prompts.map((prompt, index) => (
        <TextArea
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity
          key={index}
          label={`${prompt.role[0]?.toUpperCase()}${prompt.role.slice(1)} prompt`}
          value={prompt.text}
          onChange={(text) =>
            update({ prompt_template: prompts.map((item, at) => (at === index ? { ...item, text } : item)) })
          }
        />
      ))}
    </>
  );
}
