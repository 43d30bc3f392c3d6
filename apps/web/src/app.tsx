import { HealthPanel } from "./components/health-panel.tsx";
import { SignInForm } from "./components/sign-in-form.tsx";
import { SiteHeader } from "./components/site-header.tsx";
import { WorkspacesPanel } from "./components/workspaces-panel.tsx";
import { useHealth } from "./use-health.ts";
import { useSession } from "./use-session.ts";

export function App() {
  const health = useHealth();
  const { session, error, signIn, signOut } = useSession();

  return (
    <>
      <SiteHeader version={health.health?.version ?? null} />
      <main className="layout">
        {session.status === "loading" && <p className="muted">Loading…</p>}
        {session.status === "signed-out" && <SignInForm error={error} onSignIn={(key) => signIn({ key })} />}
        {session.status === "signed-in" && (
          <WorkspacesPanel
            me={session.me}
            workspaces={session.workspaces}
            error={error}
            onSignOut={signOut}
          />
        )}
        <HealthPanel {...health} />
      </main>
    </>
  );
}
