import { type FormEvent, useState } from "react";
import type { Role } from "../api-types.ts";
import { useLoadedList } from "../use-loaded-list.ts";
import { type ApiKeyInfo, settingsApi } from "./settings-api.ts";
import { ShownOnce } from "./shown-once.tsx";

/** The workspace's API keys: create (shown once), list, revoke. Admins and owners only. */
export function ApiKeysPanel({ role }: { role: Role }) {
  const { items: keys, error, setError, change } = useLoadedList(settingsApi.keys, role !== "member");
  const [created, setCreated] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [newRole, setNewRole] = useState<Role>("member");

  if (role === "member") {
    return (
      <section className="panel">
        <h2>API keys</h2>
        <p className="muted">Only a workspace admin or owner manages keys. Ask one for a key of your own.</p>
      </section>
    );
  }

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    await change(async () => {
      const answer = await settingsApi.createKey({
        role: newRole,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      setCreated(answer.key);
      setName("");
    });
  }

  async function revoke(key: ApiKeyInfo) {
    if (!window.confirm(`Revoke ${key.name || key.key_prefix}? Programs using it stop working at once.`))
      return;
    await change(() => settingsApi.revokeKey(key.id));
  }

  return (
    <section className="panel" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <form className="inline-form" onSubmit={create}>
        <input
          aria-label="Key name"
          placeholder="Name (e.g. website)"
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
        />
        <select
          aria-label="Key role"
          value={newRole}
          onChange={(event) => setNewRole(event.target.value as Role)}
        >
          <option value="member">member</option>
          <option value="admin">admin</option>
          {role === "owner" && <option value="owner">owner</option>}
        </select>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <ShownOnce
          notice="Copy the new key now: it is not shown again."
          text={created}
          copyLabel="Copy the new key"
        />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Role</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-key-id={key.id}>
              <td>{key.name || <span className="muted">unnamed</span>}</td>
              <td>
                <code>{key.key_prefix}…</code>
              </td>
              <td>{key.role}</td>
              <td className="muted">
                {key.last_used_at ? new Date(key.last_used_at).toLocaleString() : "never"}
              </td>
              <td>
                <button type="button" className="secondary small-button" onClick={() => void revoke(key)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
