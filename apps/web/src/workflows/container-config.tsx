import { type Condition, ConditionList } from "./condition-list.tsx";
import { SelectorField, type Update } from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

/** An iteration: the list it walks, what each round hands back, parallelism and error mode. */
export function IterationFields({ data, update }: { data: NodeData; update: Update }) {
  return (
    <>
      <SelectorField
        label="Iterate over"
        placeholder="node.list"
        value={data.iterator_selector}
        onChange={(iterator_selector) => update({ iterator_selector })}
      />
      <SelectorField
        label="Output of each round"
        placeholder="inner-node.variable"
        value={data.output_selector}
        onChange={(output_selector) => update({ output_selector })}
      />
      <label className="wf-inline">
        <input
          type="checkbox"
          checked={Boolean(data.is_parallel)}
          onChange={(event) => update({ is_parallel: event.target.checked })}
        />
        Run rounds in parallel
      </label>
      {Boolean(data.is_parallel) && (
        <label className="wf-field">
          At most at once
          <input
            type="number"
            min={1}
            max={100}
            value={Number(data.parallel_nums ?? 10)}
            onChange={(event) => update({ parallel_nums: Number(event.target.value) })}
          />
        </label>
      )}
      <label className="wf-field">
        When a round fails
        <select
          value={String(data.error_handle_mode ?? "terminated")}
          onChange={(event) => update({ error_handle_mode: event.target.value })}
        >
          <option value="terminated">stop the iteration</option>
          <option value="continue-on-error">continue (its output is null)</option>
          <option value="remove-abnormal-output">continue (drop its output)</option>
        </select>
      </label>
      <p className="muted">Add nodes inside it with “Add node” while it is selected.</p>
    </>
  );
}

/** A loop: how many rounds at most, and the conditions that end it (checked before each round). */
export function LoopFields({ data, update }: { data: NodeData; update: Update }) {
  return (
    <>
      <label className="wf-field">
        Rounds at most
        <input
          type="number"
          min={1}
          value={Number(data.loop_count ?? 10)}
          onChange={(event) => update({ loop_count: Number(event.target.value) })}
        />
      </label>
      <fieldset className="wf-rows">
        <legend>Stop when</legend>
        <ConditionList
          label="Break condition"
          conditions={(data.break_conditions as Condition[] | undefined) ?? []}
          logicalOperator={data.logical_operator === "or" ? "or" : "and"}
          onChange={(break_conditions, logical_operator) => update({ break_conditions, logical_operator })}
        />
      </fieldset>
      <p className="muted">Add nodes inside it with “Add node” while it is selected.</p>
    </>
  );
}
