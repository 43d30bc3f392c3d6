import { type FormEvent, useState } from "react";
import { useLoadedList } from "../use-loaded-list.ts";
import { type AliasRow, settingsApi } from "./settings-api.ts";

const strategies: AliasRow["strategy"][] = [
  "weighted",
  "least-outstanding",
  "lowest-latency",
  "prefix-affinity",
];

/** Model aliases: a stable name clients use, routed to one or more provider models. */
export function AliasesPanel({ onChanged }: { onChanged: () => void }) {
  const { items: aliases, error, setError, change } = useLoadedList(settingsApi.aliases);
  const [editing, setEditing] = useState<AliasRow | null>(null);

  async function save(alias: AliasRow) {
    setError(null);
    const saved = await change(async () => {
      await settingsApi.putAlias(alias);
      setEditing(null);
    });
    if (saved) onChanged();
  }

  async function remove(name: string) {
    if (!window.confirm(`Remove the alias ${name}?`)) return;
    if (await change(() => settingsApi.deleteAlias(name))) onChanged();
  }

  return (
    <section className="panel" aria-labelledby="aliases-title">
      <div className="panel-heading">
        <h2 id="aliases-title">Aliases</h2>
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setEditing({
              name: "",
              description: "",
              strategy: "weighted",
              deployments: [{ provider: "", model: "" }],
            })
          }
        >
          New alias
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {editing && <AliasEditor initial={editing} onSave={save} onCancel={() => setEditing(null)} />}
      <ul className="alias-list">
        {aliases.map((alias) => (
          <li key={alias.name} data-alias={alias.name}>
            <div className="workspace-title">
              <code className="alias-name">{alias.name}</code>
              <span className="muted small">{alias.strategy}</span>
            </div>
            <p className="muted small">
              {alias.deployments.map((deployment) => `${deployment.provider}/${deployment.model}`).join(", ")}
            </p>
            <div className="row">
              <button type="button" className="secondary small-button" onClick={() => setEditing(alias)}>
                Edit
              </button>
              <button
                type="button"
                className="secondary small-button"
                onClick={() => void remove(alias.name)}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function AliasEditor({
  initial,
  onSave,
  onCancel,
}: {
  initial: AliasRow;
  onSave: (alias: AliasRow) => void;
  onCancel: () => void;
}) {
  const [alias, setAlias] = useState<AliasRow>(initial);
  const setDeployment = (index: number, field: "provider" | "model", value: string) =>
    setAlias({
      ...alias,
      deployments: alias.deployments.map((deployment, at) =>
        at === index ? { ...deployment, [field]: value } : deployment,
      ),
    });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSave({
      ...alias,
      deployments: alias.deployments.filter((deployment) => deployment.provider && deployment.model),
    });
  }

  return (
    <form className="alias-editor" onSubmit={submit}>
      <label>
        Alias name
        <input
          required
          value={alias.name}
          disabled={initial.name !== ""}
          onChange={(event) => setAlias({ ...alias, name: event.target.value })}
        />
      </label>
      <label>
        Strategy
        <select
          value={alias.strategy}
          onChange={(event) => setAlias({ ...alias, strategy: event.target.value as AliasRow["strategy"] })}
        >
          {strategies.map((strategy) => (
            <option key={strategy}>{strategy}</option>
          ))}
        </select>
      </label>
      {alias.deployments.map((deployment, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, never reordered
        <div className="form-row" key={index}>
          <label>
            Provider
            <input
              value={deployment.provider}
              onChange={(event) => setDeployment(index, "provider", event.target.value)}
            />
          </label>
          <label>
            Upstream model
            <input
              value={deployment.model}
              onChange={(event) => setDeployment(index, "model", event.target.value)}
            />
          </label>
        </div>
      ))}
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setAlias({ ...alias, deployments: [...alias.deployments, { provider: "", model: "" }] })
          }
        >
          Add deployment
        </button>
        <button type="submit">Save alias</button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
