import { useEffect, useRef } from "react";

export interface Shortcuts {
  newChat(): void;
  focusSearch(): void;
}

/** Ctrl/Cmd+Shift+O: new chat; Ctrl/Cmd+K: search. (Esc stops a reply: see ChatPane.) */
export function useShortcuts(shortcuts: Shortcuts): void {
  const latest = useRef(shortcuts);
  latest.current = shortcuts;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const command = event.ctrlKey || event.metaKey;
      if (!command || event.altKey) return;
      const key = event.key.toLowerCase();
      if (event.shiftKey && key === "o") {
        event.preventDefault();
        latest.current.newChat();
      } else if (!event.shiftKey && key === "k") {
        event.preventDefault();
        latest.current.focusSearch();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
