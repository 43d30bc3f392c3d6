/** Response shapes of the Nexus server routes the page uses (see apps/server/src/routes). */

export type Role = "owner" | "admin" | "member";

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  description: string;
  created_at: string;
}

/** `GET /healthz`: the process answers. */
export interface Health {
  status: "ok";
  version: string;
  uptimeSeconds: number;
}

export interface ReadinessCheck {
  ok: boolean;
  /** Which implementation answered, e.g. "sqlite", "in-process", "redis". */
  kind: string;
  error?: string;
}

/** `GET /readyz`: 200 when every check is ok, 503 (same shape) when one fails. */
export interface Readiness {
  status: "ready" | "unavailable";
  checks: Record<string, ReadinessCheck>;
}

/** `GET /api/me`: who the browser is signed in as. */
export interface Me {
  workspace: Workspace;
  role: Role;
  keyId: string | null;
  via: "key" | "session";
}

/** `POST /api/sessions` takes one of the two. */
export type SignInRequest = { key: string } | { loginCode: string };
