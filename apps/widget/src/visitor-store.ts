/**
 * What the widget remembers in the page's localStorage: the anonymous visitor id (the server
 * shows a visitor only its own conversations) and the conversation it had open. Where storage is
 * unavailable (blocked cookies, sandboxed frames) it lives for the page only.
 */
export interface VisitorStore {
  visitorId: string;
  conversationId(): string | null;
  setConversationId(id: string | null): void;
}

export function createVisitorStore(token: string): VisitorStore {
  const memory = new Map<string, string>();
  const read = (key: string) => {
    try {
      return localStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  };
  const write = (key: string, value: string | null) => {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      if (value === null) memory.delete(key);
      else memory.set(key, value);
    }
  };
  let visitorId = read("nexus-widget:visitor");
  if (!visitorId || !/^[A-Za-z0-9_-]{16,64}$/.test(visitorId)) {
    visitorId = randomId();
    write("nexus-widget:visitor", visitorId);
  }
  const conversationKey = `nexus-widget:conversation:${token.slice(0, 20)}`;
  return {
    visitorId,
    conversationId: () => read(conversationKey),
    setConversationId: (id) => write(conversationKey, id),
  };
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_");
}
