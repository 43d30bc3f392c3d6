import { textColorOn } from "./widget-config.ts";
import { widgetStyles } from "./widget-styles.ts";

export interface WidgetTheme {
  primaryColor: string;
  title: string;
  position: "left" | "right";
  greeting: string;
  avatar: string;
  suggestedQuestions: string[];
  messageCharacters: number;
}

/** One shown message; its text is only ever set as text (model output is never parsed as HTML). */
export interface ShownMessage {
  append(text: string): void;
  setText(text: string): void;
  setStatus(status: string, note?: string): void;
}

export interface WidgetViewHandlers {
  submit(text: string): void;
  stop(): void;
  opened(): void;
}

const chatIcon = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";

/** `document.createElement` with attributes and children; text children become text nodes. */
function element<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[Tag] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * The bubble and its panel in a shadow root on `host`: greeting, suggested questions, messages,
 * a composer that turns into a stop button while a reply is written. Esc closes the panel and
 * gives focus back to the bubble; opening it focuses the composer.
 */
export function createWidgetView(host: HTMLElement, theme: WidgetTheme, handlers: WidgetViewHandlers) {
  const root = host.attachShadow({ mode: "open" });
  const container = element("div", { class: `nx ${theme.position}` });
  container.style.setProperty("--nx-primary", theme.primaryColor);
  container.style.setProperty("--nx-on-primary", textColorOn(theme.primaryColor));

  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", chatIcon);
  svg.append(path);
  const bubble = element("button", {
    class: "bubble",
    type: "button",
    "aria-label": `Open chat: ${theme.title}`,
    "aria-expanded": "false",
    "aria-controls": "nexus-panel",
  });
  bubble.append(svg);

  const avatar = element("span", { class: "avatar", "aria-hidden": "true" });
  if (/^(https:\/\/|data:image\/)/.test(theme.avatar))
    avatar.append(element("img", { src: theme.avatar, alt: "" }));
  else avatar.textContent = theme.avatar;
  const close = element("button", { class: "close", type: "button", "aria-label": "Close chat" }, "×");
  const log = element("div", { class: "log", role: "log", "aria-live": "polite" });
  const suggestions = element("div", { class: "suggestions" });
  const error = element("p", { class: "error", role: "alert", hidden: "" });
  const input = element("textarea", {
    rows: "1",
    placeholder: "Type a message…",
    "aria-label": "Your message",
    maxlength: String(theme.messageCharacters),
  });
  const send = element("button", { class: "send", type: "submit", "aria-label": "Send" }, "➤");
  const stop = element("button", { class: "stop", type: "button", "aria-label": "Stop", hidden: "" }, "■");
  const form = element("form", {}, input, send, stop);
  const panel = element(
    "section",
    { class: "panel", id: "nexus-panel", role: "dialog", "aria-label": theme.title, hidden: "" },
    element("header", {}, avatar, element("h2", {}, theme.title), close),
    log,
    suggestions,
    error,
    form,
  );
  container.append(bubble, panel);
  root.append(element("style", {}, widgetStyles), container);

  const isOpen = () => !panel.hidden;
  const setOpen = (open: boolean) => {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    bubble.setAttribute("aria-label", `${open ? "Close" : "Open"} chat: ${theme.title}`);
    if (open) {
      input.focus();
      handlers.opened();
    } else {
      bubble.focus();
    }
  };
  bubble.addEventListener("click", () => setOpen(!isOpen()));
  close.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      setOpen(false);
    }
  });
  const submit = () => {
    const text = input.value.trim();
    if (text === "" || !stop.hidden) return;
    input.value = "";
    handlers.submit(text);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  stop.addEventListener("click", () => handlers.stop());
  for (const question of theme.suggestedQuestions) {
    const button = element("button", { type: "button" }, question);
    button.addEventListener("click", () => handlers.submit(question));
    suggestions.append(button);
  }

  const addMessage = (role: "user" | "assistant", text: string, status = "complete"): ShownMessage => {
    const body = element("div", { class: `message ${role}`, "data-status": status }, text);
    log.append(body);
    const scroll = () => {
      log.scrollTop = log.scrollHeight;
    };
    scroll();
    return {
      append(more) {
        body.append(more);
        scroll();
      },
      setText(full) {
        body.textContent = full;
        scroll();
      },
      setStatus(next, note) {
        body.dataset.status = next;
        if (note) body.append(element("div", { class: "note" }, note));
        scroll();
      },
    };
  };
  if (theme.greeting) addMessage("assistant", theme.greeting);

  return {
    addMessage,
    /** While a reply is written: the stop button instead of send. */
    setBusy(busy: boolean) {
      send.hidden = busy;
      stop.hidden = !busy;
      if (!busy && isOpen()) input.focus();
    },
    showError(message: string | null) {
      error.hidden = message === null;
      error.textContent = message ?? "";
    },
    hideSuggestions() {
      suggestions.hidden = true;
      suggestions.style.display = "none";
    },
  };
}

export type WidgetView = ReturnType<typeof createWidgetView>;
