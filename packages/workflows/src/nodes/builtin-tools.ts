/** A tool the tool node can call without anything outside Nexus. */
export interface BuiltinTool {
  /** What the tool does, for models choosing tools (agent node). */
  description: string;
  /** JSON schema of its parameters. */
  parameters: Record<string, unknown>;
  /** Runs with the node's resolved parameters; returns the tool's text and JSON results. */
  invoke(
    parameters: Record<string, unknown>,
  ): Promise<{ text: string; json?: unknown[]; variables?: Record<string, unknown> }>;
}

function formatTime(date: Date, format: string, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return format
    .replaceAll("%Y", parts.year ?? "")
    .replaceAll("%m", parts.month ?? "")
    .replaceAll("%d", parts.day ?? "")
    .replaceAll("%H", parts.hour ?? "")
    .replaceAll("%M", parts.minute ?? "")
    .replaceAll("%S", parts.second ?? "");
}

/**
 * Dify's built-in tools Nexus has, keyed `provider/tool` (`time/current_time`) and by bare tool
 * name for DSLs that name the provider differently.
 */
export const builtinTools: Record<string, BuiltinTool> = {
  "time/current_time": {
    description: "The current date and time in a timezone",
    parameters: {
      type: "object",
      properties: {
        timezone: { type: "string", description: "IANA timezone, e.g. UTC or Europe/Paris" },
        format: { type: "string", description: "strftime format, default %Y-%m-%d %H:%M:%S %Z" },
      },
    },
    invoke: async (parameters) => {
      const timezone = String(parameters.timezone || "UTC");
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: timezone });
      } catch {
        throw new Error(`Unknown timezone '${timezone}'`);
      }
      const format = String(parameters.format || "%Y-%m-%d %H:%M:%S %Z");
      return { text: formatTime(new Date(), format.replaceAll("%Z", timezone), timezone) };
    },
  },
  "json_process/json_parse": {
    description: "Parses a JSON text and returns the value at an optional dotted path",
    parameters: {
      type: "object",
      properties: {
        content: { type: "string", description: "the JSON text" },
        query: { type: "string", description: "a dotted path such as $.items.0" },
      },
      required: ["content"],
    },
    invoke: async (parameters) => {
      const content = String(parameters.content ?? parameters.json_string ?? "");
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (error) {
        throw new Error(`json_parse: the input is not JSON (${(error as Error).message})`);
      }
      const path = String(parameters.query ?? parameters.json_filter ?? "").trim();
      if (path !== "") {
        for (const key of path
          .replace(/^\$\.?/, "")
          .split(".")
          .filter(Boolean)) {
          value =
            value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
        }
      }
      // `result` as a named output variable, as Dify tools that emit variables do.
      return {
        text: typeof value === "string" ? value : JSON.stringify(value ?? null),
        json: [value],
        variables: { result: value ?? null },
      };
    },
  },
};

const byToolName = new Map(
  Object.entries(builtinTools).map(([key, tool]) => [key.split("/")[1] as string, tool]),
);

/** The built-in tool a node names, by provider and tool, or by tool name alone for `builtin` providers. */
export function findBuiltinTool(provider: string, toolName: string): BuiltinTool | undefined {
  return (
    builtinTools[`${provider}/${toolName}`] ??
    (/^builtin$|^time$|^json_process$/.test(provider) ? byToolName.get(toolName) : undefined)
  );
}
