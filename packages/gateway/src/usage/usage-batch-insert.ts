import type { GatewayUsageTable, Store } from "@nexus/core";
import { CompiledQuery } from "kysely";

type UsageRow = GatewayUsageTable;
type Sqlite = NonNullable<Store["sqlite"]>;
type Statement = ReturnType<Sqlite["prepare"]>;

const maxSizes = 32;

/**
 * Inserts usage rows in one statement, compiled by Kysely once per batch size: building and
 * compiling the query tree for 200 rows × 19 columns was ~3% of the gateway's CPU per request.
 * On SQLite the statement is also prepared once per size (parsing the 3,800-placeholder SQL for
 * every batch was another ~1.5%), and run under Kysely's lock on the connection. Parameters are
 * laid out as Kysely lays them out (row by row, each row's columns in key order); the first
 * compile of each size checks that layout, and a size whose parameters differ is never reused
 * (it always goes through the query builder).
 */
export function createUsageBatchInsert(store: Store) {
  const sqlBySize = new Map<number, string | null>();
  const statements = new Map<string, Statement>();

  function parametersOf(rows: UsageRow[]): unknown[] {
    const columns = Object.keys(rows[0] ?? {}) as Array<keyof UsageRow>;
    const parameters: unknown[] = [];
    for (const row of rows) for (const column of columns) parameters.push(row[column]);
    return parameters;
  }

  function runPrepared(sqlite: Sqlite, sql: string, parameters: unknown[]) {
    return store.db.connection().execute(async () => {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= maxSizes) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      statement.run(parameters);
    });
  }

  return async function insert(rows: UsageRow[]): Promise<void> {
    const known = sqlBySize.get(rows.length);
    if (known) {
      if (store.sqlite) await runPrepared(store.sqlite, known, parametersOf(rows));
      else await store.db.executeQuery(CompiledQuery.raw(known, parametersOf(rows)));
      return;
    }
    const query = store.db.insertInto("gateway_usage").values(rows);
    if (known === undefined) {
      const compiled = query.compile();
      const ours = parametersOf(rows);
      const same =
        ours.length === compiled.parameters.length &&
        ours.every((value, index) => Object.is(value, compiled.parameters[index]));
      if (sqlBySize.size >= maxSizes) sqlBySize.clear();
      sqlBySize.set(rows.length, same ? compiled.sql : null);
    }
    await query.execute();
  };
}
