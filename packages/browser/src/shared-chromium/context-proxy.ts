import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import { type AddressInfo, connect, type LookupFunction, type Socket } from "node:net";
import { BrowserError } from "../browser-error.ts";
import { admitTunnel, admitUrl } from "../connection-policy.ts";
import type { HostResolver, UrlPolicy } from "../url-policy.ts";

export interface ContextProxyOptions {
  /** The owning session's policy now (read per connection: a settings change applies at once). */
  policy(): UrlPolicy;
  /** Told of every connection refused. */
  onBlocked(target: string): void;
  resolveHost: HostResolver;
}

/** Headers that describe one hop, not the request: never passed on. */
const hopHeaders = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "upgrade",
]);

/**
 * The one way out of a browser context: Chromium sends all of the context's traffic here (its
 * proxy setting, loopback included), so what CDP's request interception cannot see is held to the
 * policy too — WebSockets (always tunnelled), worker and service-worker traffic — and every
 * connection goes to an address checked at connect time, never to one the browser resolved on its
 * own (DNS rebinding). Plain HTTP is checked by full URL; tunnels (HTTPS, WebSockets) by host and
 * port, their URLs being encrypted or not sent (the request guard checks HTTPS URLs in the page).
 */
export class ContextProxy {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly options: ContextProxyOptions) {
    this.server = createServer((incoming, outgoing) => void this.forward(incoming, outgoing));
    this.server.on(
      "connect",
      (incoming, socket: Socket, head: Buffer) => void this.tunnel(incoming.url ?? "", socket, head),
    );
    // Chromium tunnels WebSockets (CONNECT); an upgrade sent in the clear is refused, not relayed unchecked.
    this.server.on("upgrade", (_incoming, socket: Socket) =>
      socket.end("HTTP/1.1 501 Not Implemented\r\n\r\n"),
    );
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(options: ContextProxyOptions): Promise<ContextProxy> {
    const proxy = new ContextProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  /** What Chromium's `proxyServer` is set to. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A plain HTTP request (absolute URL): checked by full URL, sent to a checked address. */
  private async forward(incoming: IncomingMessage, outgoing: ServerResponse) {
    let target: URL;
    try {
      target = new URL(incoming.url ?? "");
      if (target.protocol !== "http:") throw new Error("not http");
    } catch {
      outgoing.writeHead(400).end();
      return;
    }
    const addresses = await this.admit(target.href, () =>
      admitUrl(target, this.options.policy(), this.options.resolveHost),
    );
    // Refused or unreachable: the browser sees a network error (as without a proxy), not a page.
    if (typeof addresses === "number") {
      incoming.socket.destroy();
      return;
    }
    const upstream = request(
      {
        host: target.hostname.replace(/^\[|\]$/g, ""),
        port: target.port || 80,
        method: incoming.method,
        path: `${target.pathname}${target.search}`,
        headers: withoutHopHeaders(incoming.headers),
        lookup: pinnedTo(addresses),
        agent: this.agent,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, withoutHopHeaders(response.headers));
        response.pipe(outgoing);
      },
    );
    upstream.on("error", () => incoming.socket.destroy());
    incoming.pipe(upstream);
  }

  /** `CONNECT host:port` (HTTPS, WebSockets): checked by host and port, joined to a checked address. */
  private async tunnel(authority: string, socket: Socket, head: Buffer) {
    socket.on("error", () => {});
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(authority);
    if (!match) {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const [, host = "", portText = ""] = match;
    const port = Number(portText);
    const addresses = await this.admit(authority, () =>
      admitTunnel(host, port, this.options.policy(), this.options.resolveHost),
    );
    if (typeof addresses === "number") {
      socket.end(`HTTP/1.1 ${addresses} ${addresses === 403 ? "Forbidden" : "Bad Gateway"}\r\n\r\n`);
      return;
    }
    const upstream = connect({ host: host.replace(/^\[|\]$/g, ""), port, lookup: pinnedTo(addresses) });
    upstream.on("connect", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
    socket.on("close", () => upstream.destroy());
  }

  /** The checked addresses, or the status to answer with (403 refused, 502 unresolvable). */
  private async admit(target: string, check: () => Promise<string[]>): Promise<string[] | number> {
    try {
      return await check();
    } catch (error) {
      if (error instanceof BrowserError && error.code === "url_blocked") {
        this.options.onBlocked(target);
        return 403;
      }
      return 502;
    }
  }
}

/** Node's connect looks the host up through this: only the addresses the policy checked. */
function pinnedTo(addresses: string[]): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const entries = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0]?.address, entries[0]?.family);
  }) as unknown as LookupFunction;
}

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!hopHeaders.has(name)) kept[name] = value;
  return kept;
}
