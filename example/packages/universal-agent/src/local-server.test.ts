import { EventEmitter } from "node:events";
import { request } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAgentHandler } from "./agent.js";
import { json, type Handler } from "./http.js";
import type { IncomingMessage } from "node:http";
import {
  formatUrl,
  toHttpApiEvent,
  MAX_BODY_BYTES,
  runLocalServer,
  startLocalServer,
  type LocalServer,
} from "./local-server.js";

const open: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(handler: Handler): Promise<LocalServer> {
  const server = await startLocalServer(handler, { port: 0, host: "127.0.0.1" });
  open.push(server);
  return server;
}

describe("startLocalServer", () => {
  it("serves the agent over real HTTP", async () => {
    const server = await start(createAgentHandler({ env: { API_KEY: "k", APP_VERSION: "v0" } }));
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-frame-options")).toBe("DENY");
    expect(health.headers.get("server")).toBeNull();
    expect(health.headers.get("x-powered-by")).toBeNull();
    expect(await health.json()).toEqual({
      status: "ok",
      service: "universal-agent",
      version: "v0",
    });

    const story = await fetch(`${server.url}/v1/agent/generate?debug=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k" },
      body: JSON.stringify({ childId: "c1", prompt: "a moon picnic" }),
    });
    expect(story.status).toBe(200);
    expect(((await story.json()) as { childId: string }).childId).toBe("c1");
  });

  it("passes method, path, query, joined headers and client IP to the handler", async () => {
    const seen = vi.fn<Handler>(async () => json(200, {}));
    const server = await start(seen);
    await new Promise<void>((resolve, reject) => {
      const req = request(`${server.url}/a/b?x=1`, {
        method: "DELETE",
        headers: { "x-multi": ["1", "2"] },
      });
      req.on("response", (res) => res.resume().on("end", resolve));
      req.on("error", reject);
      req.end();
    });
    const event = seen.mock.calls[0]![0];
    expect(event.requestContext.http).toMatchObject({
      method: "DELETE",
      path: "/a/b",
      sourceIp: "127.0.0.1",
    });
    expect(event.rawQueryString).toBe("x=1");
    expect(event.headers?.["x-multi"]).toBe("1, 2");
    expect(event.body).toBeUndefined();
  });

  it("answers 413 for oversized bodies and 500 when the handler throws", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const server = await start(() => Promise.reject(new Error("boom")));
    const big = await fetch(`${server.url}/x`, {
      method: "POST",
      body: "x".repeat(MAX_BODY_BYTES + 1),
    });
    expect(big.status).toBe(413);
    const failed = await fetch(`${server.url}/x`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: "internal error" });
    expect(errors).toHaveBeenCalledOnce();
    errors.mockRestore();
  });

  it("rejects when the port is taken", async () => {
    const first = await start(async () => json(200, {}));
    await expect(
      startLocalServer(async () => json(200, {}), { port: first.port, host: "127.0.0.1" }),
    ).rejects.toThrow(/EADDRINUSE/);
  });

  it("converts a bare request with defaults", () => {
    const event = toHttpApiEvent(
      { headers: {}, socket: {} } as unknown as IncomingMessage,
      Buffer.from("hi"),
    );
    expect(event.rawPath).toBe("/");
    expect(event.requestContext.http).toMatchObject({ method: "GET", sourceIp: "unknown" });
    expect(event.body).toBe("hi");
  });

  it("formats IPv6 hosts", () => {
    expect(formatUrl("::1", 80)).toBe("http://[::1]:80");
  });
});

describe("runLocalServer", () => {
  it("logs the listening line and exits 0 on SIGTERM", async () => {
    const signals = new EventEmitter();
    const lines: string[] = [];
    let exitCode: number | undefined;
    const exited = new Promise<void>((resolve) => {
      void runLocalServer(async () => json(200, {}), {
        defaultPort: 3001,
        env: { PORT: "0" },
        signals: signals as unknown as NodeJS.Process,
        log: (line) => lines.push(line),
        exit: (code) => {
          exitCode = code;
          resolve();
        },
      }).then(() => signals.emit("SIGTERM"));
    });
    await exited;
    expect(lines[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toBe("received SIGTERM, shutting down");
    expect(exitCode).toBe(0);
  });

  it("exits 1 when closing fails on SIGINT", async () => {
    const signals = new EventEmitter();
    const local = await runLocalServer(async () => json(200, {}), {
      defaultPort: 0,
      env: { HOST: "127.0.0.1" },
      signals: signals as unknown as NodeJS.Process,
      log: () => undefined,
      exit: () => undefined,
    });
    await local.close();
    const code = await new Promise<number>((resolve) => {
      const again = new EventEmitter();
      void runLocalServer(async () => json(200, {}), {
        defaultPort: 0,
        env: {},
        signals: again as unknown as NodeJS.Process,
        log: () => undefined,
        exit: resolve,
      }).then(async (server) => {
        await server.close();
        again.emit("SIGINT");
      });
    });
    expect(code).toBe(1);
  });

  it("defaults to process signals, process.env and console.log", async () => {
    const before = { term: process.listeners("SIGTERM"), int: process.listeners("SIGINT") };
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const previousPort = process.env.PORT;
    process.env.PORT = "0";
    try {
      const local = await runLocalServer(async () => json(200, {}), { defaultPort: 3001 });
      open.push(local);
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^listening on /));
    } finally {
      if (previousPort === undefined) delete process.env.PORT;
      else process.env.PORT = previousPort;
      log.mockRestore();
      for (const [signal, old] of [
        ["SIGTERM", before.term],
        ["SIGINT", before.int],
      ] as const) {
        for (const listener of process.listeners(signal)) {
          if (!old.includes(listener)) process.removeListener(signal, listener);
        }
      }
    }
  });

  it("rejects an invalid PORT", async () => {
    await expect(
      runLocalServer(async () => json(200, {}), { defaultPort: 1, env: { PORT: "http" } }),
    ).rejects.toThrow("invalid PORT");
  });
});
