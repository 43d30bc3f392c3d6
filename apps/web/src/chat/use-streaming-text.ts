import { useEffect, useReducer, useRef } from "react";

/**
 * The text to render for a message: as it is, or, while it streams, at most one new version per
 * `intervalMs`. A fast model sends hundreds of tokens a second, and each render parses the whole
 * Markdown again. A version due now is shown in the same render (not from an effect, which would
 * cost a second render after the next paint): the first token shows in the frame it arrives in.
 */
export function useStreamingText(text: string, streaming: boolean, intervalMs = 40): string {
  const shown = useRef({ text, at: Number.NEGATIVE_INFINITY });
  const [renders, rerender] = useReducer((count: number) => count + 1, 0);

  if (!streaming) {
    shown.current = { text, at: Number.NEGATIVE_INFINITY };
  } else if (text !== shown.current.text) {
    const now = performance.now();
    if (now - shown.current.at >= intervalMs) shown.current = { text, at: now };
  }
  const pending = streaming && text !== shown.current.text;

  // Text held back is shown when its interval is up; a timer that fired a little early sets another.
  // biome-ignore lint/correctness/useExhaustiveDependencies: each render (and new text) re-arms the timer
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(rerender, Math.max(0, shown.current.at + intervalMs - performance.now()));
    return () => clearTimeout(timer);
  }, [pending, text, renders, intervalMs]);

  return shown.current.text;
}
