import { type Condition, ConditionList, newId } from "./condition-list.tsx";
import { SelectorField, type Update } from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

interface Case {
  case_id: string;
  logical_operator: "and" | "or";
  conditions: Condition[];
}

/** IF/ELIF cases: each is a branch (an edge handle) with conditions joined by and/or. */
export function IfElseFields({ data, update }: { data: NodeData; update: Update }) {
  const cases = Array.isArray(data.cases) ? (data.cases as Case[]) : [];
  const setCase = (index: number, patch: Partial<Case>) =>
    update({ cases: cases.map((item, at) => (at === index ? { ...item, ...patch } : item)) });
  return (
    <>
      {cases.map((item, caseIndex) => (
        <fieldset className="wf-rows" key={item.case_id}>
          <legend>{caseIndex === 0 ? "IF" : "ELIF"}</legend>
          <ConditionList
            label={`Case ${caseIndex + 1} condition`}
            conditions={item.conditions}
            logicalOperator={item.logical_operator}
            onChange={(conditions, logical_operator) => setCase(caseIndex, { conditions, logical_operator })}
          />
          {cases.length > 1 && (
            <button
              type="button"
              className="secondary small-button"
              onClick={() => update({ cases: cases.filter((_item, at) => at !== caseIndex) })}
            >
              Remove case
            </button>
          )}
        </fieldset>
      ))}
      <button
        type="button"
        className="secondary small-button"
        onClick={() =>
          update({ cases: [...cases, { case_id: newId(), logical_operator: "and", conditions: [] }] })
        }
      >
        Add ELIF
      </button>
    </>
  );
}

/** The question classifier: what it reads and the classes it sorts into (one branch each). */
export function ClassifierFields({ data, update }: { data: NodeData; update: Update }) {
  const classes = Array.isArray(data.classes) ? (data.classes as { id: string; name: string }[]) : [];
  return (
    <>
      <SelectorField
        label="Query from"
        value={data.query_variable_selector}
        onChange={(query_variable_selector) => update({ query_variable_selector })}
      />
      <fieldset className="wf-rows">
        <legend>Classes</legend>
        {classes.map((item, index) => (
          <div className="wf-row" key={item.id}>
            <input
              aria-label={`Class ${index + 1}`}
              value={item.name}
              onChange={(event) =>
                update({
                  classes: classes.map((entry) =>
                    entry.id === item.id ? { ...entry, name: event.target.value } : entry,
                  ),
                })
              }
            />
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove class ${index + 1}`}
              onClick={() => update({ classes: classes.filter((entry) => entry.id !== item.id) })}
            >
              ×
            </button>
          </div>
        ))}
        <button
          type="button"
          className="secondary small-button"
          onClick={() => update({ classes: [...classes, { id: newId(), name: "" }] })}
        >
          Add class
        </button>
      </fieldset>
    </>
  );
}
