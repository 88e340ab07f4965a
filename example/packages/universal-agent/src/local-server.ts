import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildHttpApiEvent, type Handler, type HttpApiEvent } from "./http.js";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalServer {
  server: Server;
  port: number;
  url: string;
  close: () => Promise<void>;
}

class PayloadTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new PayloadTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Converts a node:http request into an API Gateway HTTP API (v2) event. */
export function toHttpApiEvent(req: IncomingMessage, body: Buffer): HttpApiEvent {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return buildHttpApiEvent({
    method: req.method ?? "GET",
    path: url.pathname,
    query: url.search.replace(/^\?/, ""),
    headers,
    body: body.toString("utf8"),
    sourceIp: (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, ""),
  });
}

export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/** Serves a Lambda handler over node:http. Resolves once listening. */
export function startLocalServer(
  handler: Handler,
  options: { port: number; host: string },
): Promise<LocalServer> {
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        const result = await handler(toHttpApiEvent(req, body));
        res.writeHead(result.statusCode, result.headers);
        res.end(result.body);
      })
      .catch((error: unknown) => {
        const tooLarge = error instanceof PayloadTooLargeError;
        if (!tooLarge) console.error("local server error", error);
        res.writeHead(tooLarge ? 413 : 500, JSON_HEADERS);
        res.end(JSON.stringify({ error: tooLarge ? "payload too large" : "internal error" }));
      });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        port,
        url: formatUrl(options.host, port),
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}

export interface RunOptions {
  defaultPort: number;
  env?: Record<string, string | undefined>;
  signals?: Pick<NodeJS.Process, "once">;
  exit?: (code: number) => void;
  log?: (line: string) => void;
}

/**
 * Entry point used by the packages' server.ts: reads PORT/HOST, logs
 * "listening on http://HOST:PORT" and closes cleanly on SIGTERM/SIGINT.
 */
export async function runLocalServer(handler: Handler, options: RunOptions): Promise<LocalServer> {
  const env = options.env ?? process.env;
  const signals = options.signals ?? process;
  const exit = options.exit ?? process.exit.bind(process);
  const log = options.log ?? console.log.bind(console);

  const port = env.PORT === undefined || env.PORT === "" ? options.defaultPort : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid PORT: ${env.PORT}`);
  }
  const local = await startLocalServer(handler, { port, host: env.HOST || "127.0.0.1" });
  log(`listening on ${local.url}`);

  const shutdown = (signal: string): void => {
    log(`received ${signal}, shutting down`);
    local.close().then(
      () => exit(0),
      () => exit(1),
    );
  };
  signals.once("SIGTERM", () => shutdown("SIGTERM"));
  signals.once("SIGINT", () => shutdown("SIGINT"));
  return local;
}
