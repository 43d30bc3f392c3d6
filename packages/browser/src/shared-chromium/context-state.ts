import type { WebSocketPeer } from "./websocket-endpoint.ts";

/** Shapes the context mux keeps of the browser's targets and its clients. */
export interface TargetInfo {
  targetId: string;
  type: string;
  browserContextId?: string;
  [field: string]: unknown;
}

export interface BrowserRequest {
  requestId: string;
  request: { url: string; headers?: Record<string, string> };
}

export interface AttachedEvent {
  sessionId: string;
  targetInfo: TargetInfo;
  waitingForDebugger: boolean;
}

/** One browser context (an incognito profile) and the client that drives it. */
export interface ContextState {
  id: string;
  viewport: { width: number; height: number };
  peer?: WebSocketPeer;
  /** The client asked for browser-level auto-attach / target discovery. */
  autoAttach: boolean;
  discover: boolean;
  /** Top-level sessions attached to this context's targets, replayed when the client asks to auto-attach. */
  attached: Map<string, AttachedEvent>;
  /** Called once the context is gone (disposed, or the browser exited). */
  end: () => void;
  /** Told of what the mux itself refuses for this context (service worker scripts). */
  onBlocked: (url: string) => void;
}
