import { useEffect, useState } from "react";
import type { NodeData } from "./workflow-types.ts";

/** The schemas (and zod) load in a chunk of their own when a JSON editor first shows. */
const loadSchemas = () => import("@nexus/workflows/node-schemas");

/**
 * What keeps `parsed` from replacing the data of a node of `type`: the type changed, no title
 * (the canvas shows it), or settings the server would refuse at save — checked with the server's
 * own schemas, so the editor and import judge and word them alike.
 */
async function nodeProblem(parsed: unknown, type: string): Promise<string | undefined> {
  const record = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : undefined;
  if (record && "type" in record && record.type !== type)
    return `type must stay "${type}" (add a new node for another type)`;
  if (record && typeof (record as { title?: unknown }).title !== "string")
    return "setting 'title' must be a string";
  const { nodeDataProblem } = await loadSchemas();
  return nodeDataProblem(record ? { ...record, type } : parsed);
}

/**
 * The node's whole data as JSON: every setting, including those no form has a field for. Applying
 * checks the JSON against the node type's shape first and says which field is wrong.
 */
export function JsonDataEditor({
  data,
  onChange,
  open,
}: {
  data: NodeData;
  onChange: (data: NodeData) => void;
  /** Shown unfolded: for node types that have no form. */
  open?: boolean;
}) {
  const [text, setText] = useState(() => JSON.stringify(data, null, 2));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(JSON.stringify(data, null, 2)), [data]);
  useEffect(() => void loadSchemas().catch(() => undefined), []);
  async function apply() {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (failure) {
      setError(`Not valid JSON: ${(failure as Error).message}`);
      return;
    }
    let problem: string | undefined;
    try {
      problem = await nodeProblem(parsed, data.type);
    } catch (failure) {
      setError(`Could not check the settings: ${(failure as Error).message}`);
      return;
    }
    if (problem) {
      setError(`Not applied: ${problem}`);
      return;
    }
    setError(null);
    onChange(parsed as NodeData);
  }
  return (
    <details className="wf-json" open={open}>
      <summary>All settings (JSON)</summary>
      <textarea
        aria-label="Node data JSON"
        className="wf-code"
        rows={12}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="secondary small-button" onClick={apply}>
        Apply JSON
      </button>
    </details>
  );
}
