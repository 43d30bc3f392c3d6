import type { CdpMessage } from "./chromium-pipe.ts";
import type { ContextState, TargetInfo } from "./context-state.ts";

/**
 * What a context's client may send the shared browser (the confinement half of ContextMux): page
 * and worker sessions only within their own targets, browser-level commands rewritten to the
 * client's context or refused. The mux routes what these functions let through.
 */
export interface CommandRouting {
  readonly targets: ReadonlyMap<string, TargetInfo>;
  /** Which context each CDP session belongs to; attaching adds the new session. */
  readonly sessionContext: Map<string, string>;
  /** Sends the command on; its answer (through `transform`) goes back to the client. */
  forward(
    context: ContextState,
    command: CdpMessage,
    transform?: (result: Record<string, unknown>) => Record<string, unknown>,
  ): void;
  respond(context: ContextState, command: CdpMessage, result: Record<string, unknown>): void;
  refuse(context: ContextState, command: CdpMessage, message: string): void;
  deliver(context: ContextState, message: CdpMessage): void;
}

/** Target-domain commands a page or worker session may send (its own children only). */
const sessionTargetCommands = new Set([
  "Target.setAutoAttach",
  "Target.detachFromTarget",
  "Target.getTargetInfo",
]);
/** Browser-level commands that act on one context once `browserContextId` is set to the client's. */
const contextScopedCommands = new Set([
  "Browser.setDownloadBehavior",
  "Browser.grantPermissions",
  "Browser.resetPermissions",
  "Browser.setPermission",
  "Storage.getCookies",
  "Storage.setCookies",
  "Storage.clearCookies",
]);

/** A command on a CDP session: only the client's own sessions, and no browser-wide domain. */
export function sessionCommand(
  mux: CommandRouting,
  context: ContextState,
  command: CdpMessage,
  sessionId: string,
) {
  const method = command.method as string;
  if (mux.sessionContext.get(sessionId) !== context.id) {
    return mux.refuse(context, command, "Session with given id not found.");
  }
  if (method.startsWith("Browser.") || (method.startsWith("Target.") && !sessionTargetCommands.has(method))) {
    return mux.refuse(context, command, `'${method}' is not available to a context of the shared browser`);
  }
  mux.forward(context, command);
}

/**
 * A browser-level command: target commands on the client's own targets, context-scoped ones
 * rewritten to its context, a few answered by the mux itself, anything else refused.
 */
export function browserCommand(mux: CommandRouting, context: ContextState, command: CdpMessage) {
  const method = command.method as string;
  const params = command.params ?? {};
  const ownsTarget = () => targetContext(mux, params.targetId as string) === context.id;
  switch (method) {
    case "Target.setAutoAttach": {
      context.autoAttach = params.autoAttach !== false;
      if (context.autoAttach)
        for (const event of context.attached.values())
          mux.deliver(context, {
            method: "Target.attachedToTarget",
            params: {
              ...event,
              targetInfo: mux.targets.get(event.targetInfo.targetId) ?? event.targetInfo,
            },
          });
      return mux.respond(context, command, {});
    }
    case "Target.setDiscoverTargets": {
      context.discover = params.discover === true;
      if (context.discover)
        for (const info of mux.targets.values())
          if (info.browserContextId === context.id)
            mux.deliver(context, { method: "Target.targetCreated", params: { targetInfo: info } });
      return mux.respond(context, command, {});
    }
    case "Target.getTargets":
      return mux.forward(context, { ...command, params: {} }, (result) => ({
        targetInfos: ((result.targetInfos as TargetInfo[]) ?? []).filter(
          (info) => info.browserContextId === context.id,
        ),
      }));
    case "Target.createTarget":
      return mux.forward(context, { ...command, params: { ...params, browserContextId: context.id } });
    case "Target.attachToTarget":
      if (!ownsTarget()) return mux.refuse(context, command, "No target with given id found");
      return mux.forward(context, command, (result) => {
        if (typeof result.sessionId === "string") mux.sessionContext.set(result.sessionId, context.id);
        return result;
      });
    case "Target.closeTarget":
    case "Target.activateTarget":
    case "Target.getTargetInfo":
      if (!ownsTarget()) return mux.refuse(context, command, "No target with given id found");
      return mux.forward(context, command);
    case "Target.detachFromTarget": {
      const owned = params.sessionId
        ? mux.sessionContext.get(params.sessionId as string) === context.id
        : ownsTarget();
      if (!owned) return mux.refuse(context, command, "No session with given id found");
      return mux.forward(context, command);
    }
    case "Browser.getVersion":
      return mux.forward(context, command);
    case "Browser.close":
      // The browser is shared: closing means leaving, which disconnecting does.
      return mux.respond(context, command, {});
    default:
      if (contextScopedCommands.has(method)) {
        return mux.forward(context, { ...command, params: { ...params, browserContextId: context.id } });
      }
      return mux.refuse(context, command, `'${method}' is not available to a context of the shared browser`);
  }
}

function targetContext(mux: CommandRouting, targetId: string | undefined): string | undefined {
  return targetId ? mux.targets.get(targetId)?.browserContextId : undefined;
}
