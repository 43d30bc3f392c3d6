import type { CookieParam } from "@browserbasehq/stagehand";
import { type Database, invalidRequest, type SecretBox } from "@nexus/core";
import type { Kysely } from "kysely";

/** What rebuilds a workflow run's browser session in another process. */
export interface StoredSessionState {
  /** The id the run's nodes know the session by. */
  sessionId: string;
  model: string;
  /** The page's URL after the last step. */
  url: string;
  cookies: CookieParam[];
}

/**
 * The state of workflow runs' browser sessions, saved after each step, so that a run that moves
 * to another worker (its first one killed or stopped) can rebuild its sessions there: a new
 * browser context with the cookies, on the last URL. localStorage, sessionStorage, form input not
 * submitted and in-page script state are not kept (docs/browser.md says so). Cookies are
 * sealed with the instance's secret key (a signed-in site's cookies are as good as a password),
 * so every process that may take a run over needs the same NEXUS_SECRET_KEY.
 */
export class SessionStateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async save(workspaceId: string, runId: string, state: StoredSessionState): Promise<void> {
    const row = {
      model: state.model,
      url: state.url,
      cookies: this.box.seal(JSON.stringify(state.cookies)),
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto("browser_session_states")
      .values({ run_id: runId, session_id: state.sessionId, workspace_id: workspaceId, ...row })
      .onConflict((conflict) => conflict.columns(["run_id", "session_id"]).doUpdateSet(row))
      .execute();
  }

  /** The session a run's step names, if that run saved one in that workspace. */
  async find(workspaceId: string, runId: string, sessionId: string): Promise<StoredSessionState | undefined> {
    const row = await this.db
      .selectFrom("browser_session_states")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("run_id", "=", runId)
      .where("session_id", "=", sessionId)
      .executeTakeFirst();
    if (!row) return undefined;
    let cookies: string;
    try {
      cookies = this.box.open(row.cookies);
    } catch {
      throw invalidRequest(
        `Browser session '${sessionId}' cannot be rebuilt here: its cookies were sealed with another secret key (give every server and worker the same NEXUS_SECRET_KEY)`,
      );
    }
    return { sessionId, model: row.model, url: row.url, cookies: JSON.parse(cookies) };
  }

  /**
   * Forgets the sessions of runs that have finished (a run's end cannot tell a finish from a
   * handover to another worker, so states go once the run is on record as finished).
   */
  async pruneFinished(): Promise<void> {
    await this.db
      .deleteFrom("browser_session_states")
      .where((where) =>
        where.exists(
          where
            .selectFrom("workflow_runs")
            .select("workflow_runs.id")
            .whereRef("workflow_runs.id", "=", "browser_session_states.run_id")
            .where("workflow_runs.finished_at", "is not", null),
        ),
      )
      .execute();
  }
}
