import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * The sites the browser tests drive, served on 127.0.0.1: a login form, a members area signed in
 * by cookie, a paginated table, a shop
 * with a cart, an iframe, a shadow-DOM widget, a download, and pages that misbehave (one that never
 * answers, one whose button moves between versions, one that reaches for another host every way it
 * can, a redirect to anywhere, a WebSocket and a service worker). Plain HTML with a little script, so what
 * Chromium sees is what a small real site would send.
 */
export interface TestSites {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Paths requested, in order (to check what the browser actually fetched). */
  requests: string[];
  /** Form posts received at /login, as submitted (to check a secret reached the site). */
  logins: Array<{ username: string; password: string }>;
  /** WebSocket handshakes accepted at /socket (the Host header each came with). */
  sockets: string[];
  close(): Promise<void>;
}

export const loginPassword = "s3cret-Pa55word";

export const shopProducts = [
  { name: "Red Mug", price: "12.00" },
  { name: "Blue Pen", price: "3.50" },
  { name: "Green Notebook", price: "7.25" },
  { name: "Yellow Lamp", price: "39.90" },
  { name: "Black Bag", price: "54.00" },
];

const tableRows = Array.from({ length: 12 }, (_, index) => ({
  id: index + 1,
  city: [
    "Lisbon",
    "Oslo",
    "Quito",
    "Hanoi",
    "Accra",
    "Lima",
    "Perth",
    "Riga",
    "Cusco",
    "Turin",
    "Sapporo",
    "Dakar",
  ][index],
  population: (index + 1) * 111_000,
}));

export async function startTestSites(): Promise<TestSites> {
  const requests: string[] = [];
  const logins: TestSites["logins"] = [];
  const sockets: string[] = [];
  /** Upgraded connections leave the HTTP server's books: closed by hand. */
  const upgraded = new Set<Socket>();
  const server = createServer((request, response) => {
    requests.push(request.url ?? "/");
    route(request, response, logins).catch(() => response.destroy());
  });
  // A WebSocket endpoint: the handshake is answered and the server says hello (one text frame).
  server.on("upgrade", (request, socket: Socket) => {
    const key = request.headers["sec-websocket-key"];
    if (request.url !== "/socket" || typeof key !== "string") return socket.destroy();
    sockets.push(request.headers.host ?? "");
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.write(Buffer.from([0x81, 5, ...Buffer.from("hello")]));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    logins,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function route(request: IncomingMessage, response: ServerResponse, logins: TestSites["logins"]) {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const path = url.pathname;
  if (path === "/never") return; // never answers: the navigation must time out
  if (path === "/login" && request.method === "POST") {
    const form = new URLSearchParams(await readBody(request));
    const username = form.get("username") ?? "";
    const password = form.get("password") ?? "";
    logins.push({ username, password });
    const ok = password === loginPassword;
    return html(
      response,
      ok ? "Account" : "Login failed",
      ok ? `<h1>Welcome, ${escapeHtml(username)}</h1>` : `<h1>Wrong password</h1>`,
    );
  }
  if (path === "/login") {
    return html(
      response,
      "Login",
      `<main><h1>Sign in</h1><form method="post" action="/login">
        <label>Username <input name="username" id="username" type="text"></label>
        <label>Password <input name="password" id="password" type="password"></label>
        <button type="submit">Log in</button></form></main>`,
    );
  }
  if (path === "/table") {
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const rows = tableRows.slice((page - 1) * 5, page * 5);
    const body = `<main><h1>Cities (page ${page} of 3)</h1><table><thead><tr><th>City</th><th>Population</th></tr></thead>
      <tbody>${rows.map((row) => `<tr><td>${row.city}</td><td>${row.population}</td></tr>`).join("")}</tbody></table>
      <nav>${page > 1 ? `<a href="/table?page=${page - 1}">Previous page</a>` : ""}
      ${page < 3 ? `<a href="/table?page=${page + 1}">Next page</a>` : ""}</nav></main>`;
    return html(response, `Cities page ${page}`, body);
  }
  if (path === "/shop") return html(response, "Shop", shopPage());
  if (path === "/iframe") {
    return html(
      response,
      "Frame host",
      `<main><h1>Host page</h1><iframe src="/iframe-inner" title="inner"></iframe></main>`,
    );
  }
  if (path === "/iframe-inner") {
    return html(
      response,
      "Inner",
      `<p id="state">Not subscribed</p><button onclick="document.getElementById('state').textContent='Subscribed!'">Subscribe</button>`,
    );
  }
  if (path === "/shadow") {
    return html(
      response,
      "Shadow",
      `<main><h1>Widget</h1><counter-widget></counter-widget></main><script>
      customElements.define('counter-widget', class extends HTMLElement {
        connectedCallback() {
          const root = this.attachShadow({ mode: 'open' });
          root.innerHTML = '<span id="count">Count: 0</span> <button id="inc">Increment</button>';
          let count = 0;
          root.getElementById('inc').addEventListener('click', () => {
            count++; root.getElementById('count').textContent = 'Count: ' + count;
          });
        }
      });</script>`,
    );
  }
  if (path === "/moving") {
    // Version 2 moves the button one box down: same page shape, the recorded XPath misses.
    const moved = url.searchParams.get("v") === "2";
    const button = `<button onclick="document.getElementById('out').textContent='Confirmed'">Confirm order</button>`;
    return html(
      response,
      "Moving",
      `<main><section><div class="a">${moved ? "<span>-</span>" : button}</div><div class="b">${moved ? button : "<span>-</span>"}</div></section><p id="out">Waiting</p></main>`,
    );
  }
  if (path === "/vanishing") {
    // The offer disappears shortly after load: an action planned on it finds nothing to click.
    return html(
      response,
      "Vanishing",
      `<main><h1>Offer</h1><div id="box"><button>Claim offer</button></div></main>
      <script>setTimeout(() => document.getElementById('box').replaceChildren(), 300)</script>`,
    );
  }
  if (path === "/leaky") {
    // Reaches for `target` every way a page can: iframe, image, fetch, and a window its button opens.
    const target = url.searchParams.get("target") ?? "";
    const quoted = JSON.stringify(target);
    return html(
      response,
      "Leaky",
      `<main><h1>Leaky page</h1><p id="fetch">pending</p>
      <iframe id="frame" src="${escapeHtml(target)}/framed" title="framed"></iframe>
      <img src="${escapeHtml(target)}/pixel.png" alt="pixel">
      <button id="open" onclick='window.open(${escapeHtml(quoted)} + "/popup")'>Open window</button></main>
      <script>fetch(${quoted} + '/fetched').then(r => r.text()).then(
        () => { document.getElementById('fetch').textContent = 'fetched'; },
        () => { document.getElementById('fetch').textContent = 'refused'; });</script>`,
    );
  }
  if (path === "/websocket") {
    // Opens a WebSocket to `to` and says what happened.
    const to = JSON.stringify(url.searchParams.get("to") ?? "").replace(/</g, "\\u003c");
    return html(
      response,
      "WebSocket",
      `<main><p id="socket">connecting</p></main><script>const socket = new WebSocket(${to});
      socket.onmessage = (event) => { document.getElementById('socket').textContent = 'got ' + event.data; };
      socket.onerror = () => { document.getElementById('socket').textContent = 'failed'; };</script>`,
    );
  }
  if (path === "/service-worker") {
    return html(
      response,
      "Service worker",
      `<main><p id="worker">registering</p></main><script>navigator.serviceWorker.register('/worker.js').then(
        () => { document.getElementById('worker').textContent = 'registered'; },
        (error) => { document.getElementById('worker').textContent = 'refused: ' + error.name; });</script>`,
    );
  }
  if (path === "/worker.js") {
    // Were it ever to run, its first act would show up in `requests`.
    response.writeHead(200, { "content-type": "text/javascript" });
    return response.end("fetch('/worker-ran'); self.addEventListener('fetch', () => {});");
  }
  if (path === "/redirect") {
    response.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
    return response.end();
  }
  if (path === "/download") {
    return html(response, "Download", `<main><a href="/report.csv" download>Download report</a></main>`);
  }
  if (path === "/report.csv") {
    response.writeHead(200, {
      "content-type": "text/csv",
      "content-disposition": 'attachment; filename="report.csv"',
    });
    return response.end("city,population\nLisbon,111000\n");
  }
  // A members area whose login lives in a cookie: /members shows who is signed in, by cookie only.
  if (path === "/members/login" && request.method === "POST") {
    const form = new URLSearchParams(await readBody(request));
    if (form.get("password") !== loginPassword)
      return html(response, "Login failed", "<h1>Wrong password</h1>");
    response.writeHead(303, {
      location: "/members",
      "set-cookie": "member=alice; Path=/; HttpOnly; SameSite=Lax",
    });
    return response.end();
  }
  if (path === "/members/login") {
    return html(
      response,
      "Members login",
      `<main><h1>Members</h1><form method="post" action="/members/login">
        <label>Password <input name="password" id="password" type="password"></label>
        <button type="submit">Sign in</button></form></main>`,
    );
  }
  if (path === "/members") {
    const member = /(?:^|;\s*)member=([a-z]+)/.exec(request.headers.cookie ?? "")?.[1];
    return html(
      response,
      "Members area",
      member ? `<main><h1>Welcome back, ${member}</h1></main>` : "<main><h1>Please sign in</h1></main>",
    );
  }
  if (path === "/cookies") {
    return html(
      response,
      "Cookies",
      `<main><p id="cookie">${escapeHtml(request.headers.cookie ?? "no cookie")}</p></main>`,
    );
  }
  response.writeHead(404, { "content-type": "text/html" });
  response.end("<h1>Not found</h1>");
}

function shopPage(): string {
  const items = shopProducts
    .map(
      (
        product,
      ) => `<li class="product"><span class="name">${product.name}</span> <span class="price">$${product.price}</span>
        <button onclick="addToCart('${product.name}')">Add ${product.name} to cart</button></li>`,
    )
    .join("");
  return `<main><h1>Shop</h1><ul>${items}</ul>
    <section><h2>Cart</h2><p id="cart-count">Cart: 0 items</p><ul id="cart"></ul>
    <button onclick="document.getElementById('status').textContent='Order placed: ' + cart.join(', ')">Checkout</button>
    <button onclick="cart.length=0;render()">Empty cart</button>
    <p id="status"></p></section></main>
    <script>const cart=[];function addToCart(name){cart.push(name);render()}
    function render(){document.getElementById('cart-count').textContent='Cart: '+cart.length+' items';
    document.getElementById('cart').innerHTML=cart.map(n=>'<li>'+n+'</li>').join('')}</script>`;
}

function html(response: ServerResponse, title: string, body: string) {
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  response.end(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
