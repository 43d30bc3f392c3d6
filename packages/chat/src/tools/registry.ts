import { calculatorTool } from "./calculator.ts";
import type { ChatTool } from "./chat-tool.ts";
import { currentTimeTool } from "./current-time.ts";
import { fetchPageTool } from "./fetch-page.ts";

/** The built-in tools an agent can list by name (`Agent.tools`). One line per tool. */
export const builtInTools: Readonly<Record<string, ChatTool>> = {
  calculator: calculatorTool,
  current_time: currentTimeTool,
  fetch_page: fetchPageTool,
};
