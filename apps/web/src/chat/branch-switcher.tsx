import type { Message } from "../chat-types.ts";

/** "‹ 2 / 3 ›": the other versions of a message (edits or regenerations) and a way to show them. */
export function BranchSwitcher({
  siblings,
  onSwitch,
}: {
  siblings: Message["siblings"];
  onSwitch: (siblingId: string) => void;
}) {
  const { ids, index } = siblings;
  if (ids.length < 2) return null;
  const previous = ids[index - 1];
  const next = ids[index + 1];
  return (
    <span className="branch-switcher">
      <button
        type="button"
        className="icon-button"
        aria-label="Previous version"
        disabled={!previous}
        onClick={() => previous && onSwitch(previous)}
      >
        ‹
      </button>
      <span className="branch-position">
        {index + 1} / {ids.length}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label="Next version"
        disabled={!next}
        onClick={() => next && onSwitch(next)}
      >
        ›
      </button>
    </span>
  );
}
