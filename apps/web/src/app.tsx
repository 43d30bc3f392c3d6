import { HealthPanel } from "./components/health-panel.tsx";
import { SignInForm } from "./components/sign-in-form.tsx";
import { SiteHeader } from "./components/site-header.tsx";
import { ChatApp } from "./shell/chat-app.tsx";
import { useHealth } from "./use-health.ts";
import { useSession } from "./use-session.ts";

/** Signed out: sign-in and the server's health. Signed in: the chat app. */
export function App() {
  const { session, error, signIn, signOut } = useSession();

  if (session.status === "signed-in") {
    const { me, workspaces } = session;
    return (
      <ChatApp
        // Another workspace or key is another person's chats: start from scratch.
        key={`${me.workspace.id}:${me.keyId ?? "workspace"}`}
        me={me}
        workspaces={workspaces}
        session={{ signIn: (key) => signIn({ key }), signOut: () => void signOut(), error }}
      />
    );
  }
  return (
    <SignedOut loading={session.status === "loading"} error={error} onSignIn={(key) => signIn({ key })} />
  );
}

function SignedOut({
  loading,
  error,
  onSignIn,
}: {
  loading: boolean;
  error: string | null;
  onSignIn: (key: string) => Promise<void>;
}) {
  const health = useHealth();
  return (
    <div className="signed-out">
      <SiteHeader version={health.health?.version ?? null} />
      <main className="layout">
        {loading ? <p className="muted">Loading…</p> : <SignInForm error={error} onSignIn={onSignIn} />}
        <HealthPanel {...health} />
      </main>
    </div>
  );
}
