import { ApiKeyForm } from "./api-key-form.tsx";

export function SignInForm({
  error,
  onSignIn,
}: {
  error: string | null;
  onSignIn: (key: string) => Promise<void>;
}) {
  return (
    <section className="panel" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <p className="muted">
        Open the link <code>nexus start</code> printed, or paste an API key.
      </p>
      <ApiKeyForm
        inputId="api-key"
        inputName="key"
        label="API key"
        submitLabel="Sign in"
        pendingLabel="Signing in…"
        error={error}
        onSubmit={onSignIn}
      />
    </section>
  );
}
