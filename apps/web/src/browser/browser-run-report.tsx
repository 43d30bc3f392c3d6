import { type BrowserTaskRun, browserApi } from "./browser-api.ts";

/** A run's summary and its steps: timing, model calls and tokens, cache use, screenshot, error. */
export function RunReport({ run }: { run: BrowserTaskRun }) {
  const report = run.report;
  return (
    <>
      <p>
        <strong className="bt-status">{run.status}</strong> · v{run.version} ·{" "}
        {new Date(run.createdAt).toLocaleString()}
        {report && (
          <span className="muted">
            {" "}
            · {(report.durationMs / 1000).toFixed(1)} s · {report.usage.calls} model calls ·{" "}
            {report.usage.promptTokens + report.usage.completionTokens} tokens
          </span>
        )}
      </p>
      {run.error && (
        <p className="error" role="alert">
          {run.error}
        </p>
      )}
      {report && report.steps.length > 0 && (
        <table className="bt-steps">
          <thead>
            <tr>
              <th>#</th>
              <th>Step</th>
              <th>Status</th>
              <th>Time</th>
              <th>Model</th>
              <th>Screenshot</th>
            </tr>
          </thead>
          <tbody>
            {report.steps.map((step) => (
              <tr key={step.index} className={step.status}>
                <td>{step.index}</td>
                <td>
                  {step.type}: {step.description}
                  {step.error && <div className="error">{step.error.message}</div>}
                </td>
                <td>{step.status}</td>
                <td>{step.durationMs} ms</td>
                <td>
                  {step.cached
                    ? "cache"
                    : `${step.usage.calls} calls, ${step.usage.promptTokens + step.usage.completionTokens} tokens`}
                </td>
                <td>
                  {step.screenshot && (
                    <a
                      href={browserApi.screenshotUrl(run.id, step.screenshot)}
                      target="_blank"
                      rel="noreferrer"
                    >
                      <img
                        src={browserApi.screenshotUrl(run.id, step.screenshot)}
                        alt={`Step ${step.index} screenshot`}
                        width={120}
                        loading="lazy"
                      />
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
