// Child process for log-destination.test.ts: logs through the default (batched stdout) logger,
// then leaves by `process.exit` at once or by letting the event loop run dry.
import { createLogger } from "../logger.ts";

const [how = "exit", countText = "50"] = process.argv.slice(2);
const logger = createLogger("info");
for (let line = 1; line <= Number(countText); line++) logger.info({ line, note: "grüße ✓" }, "logged");
if (how === "exit") process.exit(0);
