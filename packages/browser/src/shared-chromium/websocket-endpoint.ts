import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One accepted WebSocket connection: text messages in and out. */
export interface WebSocketPeer {
  send(text: string): void;
  close(): void;
}

export interface WebSocketEndpointHandlers {
  /** A peer connected on the path registered under `token`. */
  open(token: string, peer: WebSocketPeer): void;
  message(token: string, text: string): void;
  /** The peer went away (closed, errored or we closed it). Called once. */
  closed(token: string): void;
}

const acceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** CDP messages from Stagehand are small; its page scripts are the biggest, around 100 KB. */
const maxMessageBytes = 64 * 1024 * 1024;

/**
 * A WebSocket server on 127.0.0.1 (RFC 6455, text frames, no extensions) that Stagehand's CDP
 * client connects to: each browser context gets a path with an unguessable token, and only a
 * registered token is let in, once. Written here because the repository has no WebSocket server
 * dependency and the protocol subset CDP needs is small.
 */
export class WebSocketEndpoint {
  private readonly server: Server;
  private readonly tokens = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(private readonly handlers: WebSocketEndpointHandlers) {
    this.server = createServer((_request, response) => response.writeHead(404).end());
    this.server.on("upgrade", (request, socket: Socket, head: Buffer) => this.upgrade(request, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** A new one-use path; the URL to hand to the client. */
  register(): { token: string; url: string } {
    const token = randomBytes(24).toString("hex");
    this.tokens.add(token);
    return { token, url: `ws://127.0.0.1:${this.port}/${token}` };
  }

  unregister(token: string): void {
    this.tokens.delete(token);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const token = (request.url ?? "").replace(/^\//, "");
    const key = request.headers["sec-websocket-key"];
    if (
      !this.tokens.has(token) ||
      typeof key !== "string" ||
      !/websocket/i.test(request.headers.upgrade ?? "")
    ) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    this.tokens.delete(token);
    const accept = createHash("sha1").update(`${key}${acceptGuid}`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.setNoDelay(true);
    this.sockets.add(socket);
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      this.sockets.delete(socket);
      socket.destroy();
      this.handlers.closed(token);
    };
    const peer: WebSocketPeer = {
      send: (text) => {
        if (!closed) socket.write(frame(0x1, Buffer.from(text, "utf8")));
      },
      close: () => {
        if (!closed) socket.end(frame(0x8, Buffer.alloc(0)));
        finish();
      },
    };
    const reader = new FrameReader(
      (text) => this.handlers.message(token, text),
      (opcode, payload) => {
        if (opcode === 0x9) socket.write(frame(0xa, payload));
        else if (opcode === 0x8) peer.close();
      },
      () => finish(),
    );
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    socket.on("close", finish);
    socket.on("error", finish);
    this.handlers.open(token, peer);
    if (head.length) reader.push(head);
  }
}

/** An unmasked server frame (servers never mask). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = length;
  else if (length < 0x10000) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Parses client frames (masked, possibly fragmented) into whole text messages. */
class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;

  constructor(
    private readonly onText: (text: string) => void,
    private readonly onControl: (opcode: number, payload: Buffer) => void,
    private readonly onProtocolError: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const parsed = this.next();
      if (parsed === "incomplete") return;
      if (parsed === "error") {
        this.onProtocolError();
        return;
      }
    }
  }

  private next(): "incomplete" | "error" | "frame" {
    const data = this.buffered;
    if (data.length < 2) return "incomplete";
    const first = data.readUInt8(0);
    const second = data.readUInt8(1);
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    const masked = (second & 0x80) !== 0;
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (data.length < 4) return "incomplete";
      length = data.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (data.length < 10) return "incomplete";
      const long = data.readBigUInt64BE(2);
      if (long > BigInt(maxMessageBytes)) return "error";
      length = Number(long);
      offset = 10;
    }
    // Clients must mask their frames (RFC 6455 5.1).
    if (!masked || length > maxMessageBytes) return "error";
    if (data.length < offset + 4 + length) return "incomplete";
    const mask = [0, 1, 2, 3].map((index) => data.readUInt8(offset + index));
    const payload = Buffer.from(data.subarray(offset + 4, offset + 4 + length));
    for (let index = 0; index < payload.length; index++)
      payload.writeUInt8(payload.readUInt8(index) ^ (mask[index & 3] as number), index);
    this.buffered = data.subarray(offset + 4 + length);
    if (opcode >= 0x8) {
      this.onControl(opcode, payload);
      return "frame";
    }
    if (opcode !== 0x0) {
      this.fragments = [];
      this.fragmentBytes = 0;
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > maxMessageBytes) return "error";
    if (fin) {
      const message = Buffer.concat(this.fragments);
      this.fragments = [];
      this.fragmentBytes = 0;
      this.onText(message.toString("utf8"));
    }
    return "frame";
  }
}
