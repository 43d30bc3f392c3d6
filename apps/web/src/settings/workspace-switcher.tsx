import type { Me, Workspace } from "../api-types.ts";
import { ApiKeyForm } from "../components/api-key-form.tsx";
import { WorkspacesPanel } from "../components/workspaces-panel.tsx";
import type { SessionActions } from "../shell/chat-app.tsx";

/**
 * The workspace this browser is signed in to, and how to change it: a workspace is chosen by the
 * key (or login link) used to sign in, so switching is signing in with another workspace's key.
 */
export function WorkspaceSwitcher({
  me,
  workspaces,
  session,
}: {
  me: Me;
  workspaces: Workspace[];
  session: SessionActions;
}) {
  return (
    <>
      <WorkspacesPanel me={me} workspaces={workspaces} error={session.error} onSignOut={session.signOut} />
      <section className="panel" aria-labelledby="switch-title">
        <h2 id="switch-title">Switch workspace</h2>
        <p className="muted">
          Nexus serves four sites, each its own workspace. Paste a key of another workspace (or open its{" "}
          <code>nexus start</code> link) to switch; this browser then shows that workspace's chats.
        </p>
        <ApiKeyForm
          inputId="switch-key"
          label="API key of the other workspace"
          submitLabel="Switch"
          pendingLabel="Switching…"
          clearAfterSubmit
          onSubmit={session.signIn}
        />
      </section>
    </>
  );
}
