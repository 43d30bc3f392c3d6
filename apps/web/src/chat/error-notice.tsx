import { type ChatError, errorKindOf, retryHintOf } from "./chat-error.ts";

/** A failure in words, with the way forward that fits it. */
export function ErrorNotice({
  error,
  onRetry,
  onDismiss,
}: {
  error: ChatError;
  onRetry?: () => void;
  onDismiss?: () => void;
}) {
  const kind = errorKindOf(error);
  return (
    <div className="error error-notice" role="alert" data-error-kind={kind}>
      <p className="error-message">{error.message}</p>
      {kind === "model_missing" && (
        <p>
          This model is not available in the workspace. Pick another model above, or{" "}
          <a href="#/settings/models">add a provider or alias in the model settings</a>.
        </p>
      )}
      {kind === "rate_limited" && <p>Rate-limited. {retryHintOf(error)}</p>}
      {kind === "provider_down" && (
        <p>
          The model's provider did not answer. Try again, pick another model, or{" "}
          <a href="#/settings/models">check the providers in the model settings</a>.
        </p>
      )}
      {kind === "too_large" && <p>Shorten the message or attach a smaller file.</p>}
      <div className="row">
        {onRetry && (
          <button type="button" className="secondary" onClick={onRetry}>
            Try again
          </button>
        )}
        {onDismiss && (
          <button type="button" className="secondary" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}
