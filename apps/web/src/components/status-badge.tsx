/** A small ok / failing pill; `detail` (e.g. the check's error) shows on hover. */
export function StatusBadge({ ok, label, detail }: { ok: boolean; label: string; detail?: string }) {
  return (
    <span className={ok ? "badge badge-ok" : "badge badge-failing"} title={detail}>
      {label}
    </span>
  );
}
