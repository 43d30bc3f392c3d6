import { defineChatTool, stringArgument, ToolInputError } from "./chat-tool.ts";

/** The current date and time, in UTC and optionally in an IANA time zone. */
export const currentTimeTool = defineChatTool({
  name: "current_time",
  description:
    "Returns the current date and time in UTC and, when a time zone is given, in that zone " +
    "(an IANA name such as Europe/Paris or America/New_York).",
  parameters: {
    type: "object",
    properties: { timeZone: { type: "string", description: "IANA time zone name, e.g. Asia/Tokyo" } },
  },
  async run(input, context) {
    const timeZone = stringArgument(input, "timeZone", false);
    const now = context.now();
    const lines = [`UTC: ${now.toISOString()}`];
    if (timeZone !== undefined) {
      let format: Intl.DateTimeFormat;
      try {
        format = new Intl.DateTimeFormat("en-US", {
          timeZone,
          dateStyle: "full",
          timeStyle: "long",
        });
      } catch {
        throw new ToolInputError(`Unknown time zone '${timeZone}'; use an IANA name such as Europe/Paris`);
      }
      lines.push(`${format.resolvedOptions().timeZone}: ${format.format(now)}`);
    }
    return lines.join("\n");
  },
});
