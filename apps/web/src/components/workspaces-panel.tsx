import type { Me, Workspace } from "../api-types.ts";

interface WorkspacesPanelProps {
  me: Me;
  /** What the server lets this session see; a key or login session sees its own workspace. */
  workspaces: Workspace[];
  error: string | null;
  onSignOut: () => void;
}

export function WorkspacesPanel({ me, workspaces, error, onSignOut }: WorkspacesPanelProps) {
  return (
    <section className="panel" aria-labelledby="workspaces-title">
      <div className="panel-heading">
        <h2 id="workspaces-title">Workspaces</h2>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </div>
      <p className="muted">
        Signed in to <strong>{me.workspace.name}</strong> as <span className="role">{me.role}</span>
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="workspace-list">
        {workspaces.map((workspace) => (
          <li key={workspace.id}>
            <div className="workspace-title">
              <span className="workspace-name">{workspace.name}</span>
              <code>{workspace.slug}</code>
            </div>
            <p>{workspace.description}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
