import { useEffect, useState } from "react";
import { nodeDataProblems } from "./node-data-checks.ts";
import type { NodeData } from "./workflow-types.ts";

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
  function apply() {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (failure) {
      setError(`Not valid JSON: ${(failure as Error).message}`);
      return;
    }
    const typed = parsed && typeof parsed === "object" && "type" in parsed ? parsed.type : undefined;
    const problems =
      typed !== undefined && typed !== data.type
        ? [`type must stay "${data.type}" (add a new node for another type)`]
        : nodeDataProblems(parsed);
    if (problems.length > 0) {
      setError(`Not applied: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? " …" : ""}`);
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
