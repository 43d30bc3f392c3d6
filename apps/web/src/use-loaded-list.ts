import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "./api-client.ts";

/**
 * A list a page loads from the API (`{ data: [...] }`) on mount and again after each change, with
 * the last failure in words. `enabled: false` skips the load (a member may not list API keys).
 *
 * @example
 * const { items: keys, error, change } = useLoadedList(settingsApi.keys);
 * await change(() => settingsApi.revokeKey(key.id));
 */
export function useLoadedList<Item>(load: () => Promise<{ data: Item[] }>, enabled = true) {
  const [items, setItems] = useState<Item[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  // Callers need not memoize `load`: the latest one is read at call time, so `reload` stays stable.
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    try {
      setItems((await loadRef.current()).data);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setLoaded(true);
    }
  }, []);

  useEffect(() => {
    if (enabled) void reload();
  }, [enabled, reload]);

  /** Runs a change (create, revoke, remove), then reloads; a failure lands in `error`. Resolves to whether it worked. */
  const change = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      try {
        await action();
        await reload();
        return true;
      } catch (failure) {
        setError(messageOf(failure));
        return false;
      }
    },
    [reload],
  );

  return { items, error, setError, loaded, reload, change };
}
