import type {
  Catalog,
  Discovery,
  Health,
  Me,
  ModelList,
  NewProvider,
  Readiness,
  SignInRequest,
  Workspace,
} from "./api-types.ts";

/** A non-2xx answer from the server, carrying its `{error:{type,message}}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** From a 429's `Retry-After`, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * Fetches JSON from the server the page was served by. The session cookie is HttpOnly and
 * same-origin, so the browser attaches it; the page never sees the token.
 */
export async function requestJson<Result>(
  path: string,
  options: { method?: string; body?: unknown; acceptStatus?: number[] } = {},
): Promise<Result> {
  const response = await fetch(path, {
    method: options.method ?? "GET",
    headers: options.body === undefined ? {} : { "content-type": "application/json" },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return undefined as Result;
  const body: unknown = await response.json().catch(() => null);
  if (response.ok || options.acceptStatus?.includes(response.status)) return body as Result;
  throw await apiErrorOf(response, body);
}

/** The `ApiError` for a non-2xx response; pass the body when it was read already. */
export async function apiErrorOf(response: Response, body?: unknown): Promise<ApiError> {
  const parsed = body === undefined ? await response.json().catch(() => null) : body;
  const error = (parsed as { error?: { type?: string; message?: string } } | null)?.error;
  const retryAfter = Number(response.headers.get("retry-after"));
  return new ApiError(
    response.status,
    error?.type ?? "http_error",
    error?.message ?? `${response.status} ${response.statusText}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

export const apiClient = {
  health: () => requestJson<Health>("/healthz"),
  // A 503 still lists the checks, which is what the health panel wants to show.
  readiness: () => requestJson<Readiness>("/readyz", { acceptStatus: [503] }),
  signIn: (request: SignInRequest) =>
    requestJson<{ workspace: Workspace; role: string; expiresAt: string }>("/api/sessions", {
      method: "POST",
      body: request,
    }),
  signOut: () => requestJson<void>("/api/sessions/current", { method: "DELETE" }),
  me: () => requestJson<Me>("/api/me"),
  workspaces: () => requestJson<{ data: Workspace[] }>("/api/workspaces"),
  models: () => requestJson<ModelList>("/v1/models"),
  discovery: () => requestJson<Discovery>("/api/gateway/discovery"),
  discoverAgain: () => requestJson<Discovery>("/api/gateway/discovery", { method: "POST" }),
  catalog: () => requestJson<Catalog>("/api/gateway/catalog"),
  addProvider: (provider: NewProvider) =>
    requestJson<unknown>("/api/gateway/providers", { method: "POST", body: provider }),
};

/** The message to show a person for any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
