import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface PgliteServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres, for the ordinary `pg` driver. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL (PGlite: PostgreSQL 18 compiled to WASM) with the real pgvector extension,
 * served over the wire protocol on 127.0.0.1 at a free port, so the store connects with the
 * ordinary `pg` driver. This machine's PostgreSQL has no pgvector, so that path is tested here.
 * PGlite is one backend with one session: pglite-socket queues several connections' queries onto
 * it, but with a pool of four a contract test once read a committed row as missing (another
 * connection's transaction shared the session), so each client must use one connection at a time
 * (`poolSize: 1`). The server still takes a few connections: it lets a closed one go a moment
 * late, and with one slot the doctor test (a CLI opening stores one after another) failed once
 * under load.
 */
export async function startPgliteServer(): Promise<PgliteServer> {
  const db = await freshPglite();
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 4 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** A fresh cluster's data directory, kept between test files (initdb in WASM takes 6-14 s here, loading ~2 s); the name follows the PGlite version. */
const cachedDataDir = path.join(os.tmpdir(), "nexus-pglite-0.5.14-datadir.tar");

async function freshPglite(): Promise<PGlite> {
  if (fs.existsSync(cachedDataDir)) {
    try {
      const loadDataDir = new Blob([fs.readFileSync(cachedDataDir)]);
      return await PGlite.create({ extensions: { vector }, loadDataDir });
    } catch {
      // A damaged copy: made again below.
    }
  }
  const db = await PGlite.create({ extensions: { vector } });
  const dump = await db.dumpDataDir("none");
  // Written beside and renamed, so a file running at the same time never reads half of it.
  const partial = `${cachedDataDir}.${process.pid}`;
  fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(partial, cachedDataDir);
  return db;
}
