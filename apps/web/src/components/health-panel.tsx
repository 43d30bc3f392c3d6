import type { HealthState } from "../use-health.ts";
import { StatusBadge } from "./status-badge.tsx";

export function HealthPanel({ health, readiness, error, checkedAt }: HealthState) {
  return (
    <section className="panel" aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      <dl className="checks">
        <div className="check">
          <dt>Version</dt>
          <dd>{health?.version ?? "unknown"}</dd>
        </div>
        <div className="check" data-check="liveness">
          <dt>Liveness</dt>
          <dd>
            <StatusBadge ok={health !== null} label={health ? "ok" : "down"} />
          </dd>
        </div>
        {Object.entries(readiness?.checks ?? {}).map(([name, check]) => (
          <div className="check" data-check={name} key={name}>
            <dt>{name}</dt>
            <dd>
              <span className="kind">{check.kind}</span>
              <StatusBadge ok={check.ok} label={check.ok ? "ok" : "failing"} detail={check.error} />
            </dd>
          </div>
        ))}
      </dl>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="muted small">
        {checkedAt ? `Checked at ${checkedAt.toLocaleTimeString()}` : "Checking…"} · refreshes every 10 s
      </p>
    </section>
  );
}
