// The embeddable chat bubble (issue 5): one <script> tag on any site. Built into dist/nexus-widget.js.
//   <script src="https://nexus.example/widget.js" data-token="nxw_…" data-position="right"
//           data-color="#6d28d9" data-title="Ask us" async></script>
import { createVisitorStore } from "./visitor-store.ts";
import { startWidgetChat } from "./widget-chat.ts";
import { readWidgetConfig } from "./widget-config.ts";

function thisScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[data-token][src*="widget.js"]');
}

function mount(script: HTMLScriptElement): void {
  const config = readWidgetConfig({ src: script.src, dataset: { ...script.dataset } });
  if (!config) {
    console.warn('Nexus widget: add data-token="nxw_…" (a site token) to the script tag');
    return;
  }
  // The same tag included twice (a template and a tag manager) shows one bubble.
  if (document.querySelector("nexus-chat-widget")) return;
  const host = document.createElement("nexus-chat-widget");
  document.body.append(host);
  startWidgetChat(host, config, createVisitorStore(config.token)).catch((error: unknown) => {
    host.remove();
    console.warn("Nexus widget: could not start:", error instanceof Error ? error.message : error);
  });
}

const script = thisScript();
if (script) {
  if (document.body) mount(script);
  else document.addEventListener("DOMContentLoaded", () => mount(script), { once: true });
}
