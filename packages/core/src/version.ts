import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The Nexus release, from the root package.json. */
export const nexusVersion: string = (require("../../../package.json") as { version: string }).version;
