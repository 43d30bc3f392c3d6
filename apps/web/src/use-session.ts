import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, apiClient, messageOf } from "./api-client.ts";
import type { Me, SignInRequest, Workspace } from "./api-types.ts";

export type SessionState =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "signed-in"; me: Me; workspaces: Workspace[] };

/** Reads the one-time code from a `nexus start` link: `http://host:port/#login=<code>`. */
function loginCodeFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("login") || null;
}

/**
 * The browser's sign-in state. On first mount it redeems a login code found in the URL hash,
 * then asks the server who the (cookie) session belongs to.
 */
export function useSession() {
  const [session, setSession] = useState<SessionState>({ status: "loading" });
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  const load = useCallback(async () => {
    try {
      const me = await apiClient.me();
      const workspaces = await apiClient.workspaces();
      setSession({ status: "signed-in", me, workspaces: workspaces.data });
    } catch (error) {
      setSession({ status: "signed-out" });
      // A 401 only means nobody is signed in yet, which the sign-in form already says.
      if (!(error instanceof ApiError && error.status === 401)) setError(messageOf(error));
    }
  }, []);

  useEffect(() => {
    // StrictMode runs effects twice in development, and a login code works only once.
    if (started.current) return;
    started.current = true;
    const loginCode = loginCodeFromHash(window.location.hash);
    void (async () => {
      if (loginCode) {
        try {
          await apiClient.signIn({ loginCode });
        } catch (error) {
          setError(`This sign-in link did not work: ${messageOf(error)}`);
        }
        // Spent or not, the code must not stay in the address bar, history or a bookmark.
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      await load();
    })();
  }, [load]);

  const signIn = useCallback(
    async (request: SignInRequest) => {
      setError(null);
      try {
        await apiClient.signIn(request);
      } catch (error) {
        setError(messageOf(error));
        return;
      }
      await load();
    },
    [load],
  );

  const signOut = useCallback(async () => {
    setError(null);
    try {
      await apiClient.signOut();
      setSession({ status: "signed-out" });
    } catch (error) {
      setError(`Sign-out failed: ${messageOf(error)}`);
    }
  }, []);

  return { session, error, signIn, signOut };
}
