import { CliError } from "./cli-error.ts";

/** Calls a running Nexus server's API with NEXUS_API_KEY; API errors become CLI errors. */
export class RemoteClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  static fromEnvironment(url: string): RemoteClient {
    const key = process.env.NEXUS_API_KEY;
    if (!key) throw new CliError("--url needs an API key in the NEXUS_API_KEY environment variable", 2);
    try {
      new URL(url);
    } catch {
      throw new CliError(`--url '${url}' is not a valid URL`, 2);
    }
    return new RemoteClient(url.replace(/\/+$/, ""), key);
  }

  /**
   * A key acts in its own workspace only; asking for another one is a mistake to report, not to
   * silently ignore.
   */
  async assertWorkspace(requested: string | undefined): Promise<void> {
    if (requested === undefined) return;
    const me = await this.request<{ workspace: { slug: string } }>("GET", "/api/me");
    if (me.workspace.slug !== requested) {
      throw new CliError(
        `NEXUS_API_KEY belongs to workspace '${me.workspace.slug}', not '${requested}'; use a key of '${requested}'`,
        2,
      );
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new CliError(`Cannot reach ${this.baseUrl}: ${(error as Error).message}`);
    }
    const text = await response.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      throw new CliError(`Server answered ${response.status}: ${message}`);
    }
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
