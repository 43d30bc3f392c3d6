import { type FormEvent, useState } from "react";

export function SignInForm({
  error,
  onSignIn,
}: {
  error: string | null;
  onSignIn: (key: string) => Promise<void>;
}) {
  const [key, setKey] = useState("");
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    try {
      await onSignIn(key.trim());
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <p className="muted">
        Open the link <code>nexus start</code> printed, or paste an API key.
      </p>
      <form className="sign-in-form" onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <div className="row">
          <input
            id="api-key"
            name="key"
            type="password"
            autoComplete="off"
            placeholder="nx_…"
            value={key}
            onChange={(event) => setKey(event.target.value)}
          />
          <button type="submit" disabled={pending || key.trim() === ""}>
            {pending ? "Signing in…" : "Sign in"}
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
