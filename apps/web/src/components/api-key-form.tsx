import { type FormEvent, useState } from "react";

/**
 * A password field for an API key and a button that signs in with it (trimmed): the sign-in page
 * and the workspace switcher. The button waits while the sign-in is under way.
 */
export function ApiKeyForm({
  inputId,
  inputName,
  label,
  submitLabel,
  pendingLabel,
  error,
  clearAfterSubmit = false,
  onSubmit,
}: {
  inputId: string;
  inputName?: string;
  label: string;
  submitLabel: string;
  pendingLabel: string;
  /** Shown under the field; omit where the page shows the failure elsewhere. */
  error?: string | null;
  /** Empties the field once the sign-in returns (switching: the field is for the next key). */
  clearAfterSubmit?: boolean;
  onSubmit: (key: string) => Promise<void>;
}) {
  const [key, setKey] = useState("");
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    try {
      await onSubmit(key.trim());
      if (clearAfterSubmit) setKey("");
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="sign-in-form" onSubmit={submit}>
      <label htmlFor={inputId}>{label}</label>
      <div className="row">
        <input
          id={inputId}
          name={inputName}
          type="password"
          autoComplete="off"
          placeholder="nx_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
        />
        <button type="submit" disabled={pending || key.trim() === ""}>
          {pending ? pendingLabel : submitLabel}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
