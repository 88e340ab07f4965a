import { describe, expect, it, vi } from "vitest";
import { createHandler } from "./app.js";
import { loadConfig } from "./config.js";
import { buildHttpApiEvent, json } from "./http.js";

describe("createHandler", () => {
  it("turns unexpected errors into a 500 without leaking details", async () => {
    const logError = vi.fn();
    const handler = createHandler({
      config: loadConfig({}, "1.0.0"),
      logError,
      routes: [
        {
          method: "GET",
          path: "/boom",
          handle: () => {
            throw new Error("secret detail");
          },
        },
      ],
    });
    const res = await handler(buildHttpApiEvent({ path: "/boom" }));
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('{"error":"internal error"}');
    expect(logError).toHaveBeenCalledOnce();
  });

  it("logs to console.error by default", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const handler = createHandler({
      config: loadConfig({}, "1.0.0"),
      routes: [{ method: "GET", path: "/boom", handle: () => Promise.reject(new Error("x")) }],
    });
    expect((await handler(buildHttpApiEvent({ path: "/boom" }))).statusCode).toBe(500);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it("captures and decodes path parameters, ignoring trailing slashes", async () => {
    const handler = createHandler({
      config: loadConfig({}, "1.0.0"),
      routes: [{ method: "GET", path: "/items/:id", handle: ({ params }) => json(200, params) }],
    });
    const res = await handler(buildHttpApiEvent({ path: "/items/a%20b/" }));
    expect(JSON.parse(res.body)).toEqual({ id: "a b" });
    expect((await handler(buildHttpApiEvent({ path: "/items" }))).statusCode).toBe(404);
    expect((await handler(buildHttpApiEvent({ path: "/other/1" }))).statusCode).toBe(404);
  });

  it("falls back to requestContext.http.path and then /", async () => {
    const handler = createHandler({
      config: loadConfig({}, "1.0.0"),
      routes: [{ method: "GET", path: "/", handle: () => json(200, { root: true }) }],
    });
    const event = buildHttpApiEvent({ path: "/" });
    event.rawPath = "";
    expect((await handler(event)).statusCode).toBe(200);
    delete event.requestContext.http.path;
    expect((await handler(event)).statusCode).toBe(200);
  });

  it("sleeps with a real timer by default", async () => {
    const handler = createHandler({
      config: loadConfig({ SIMULATED_LATENCY_MS: "5" }, "1.0.0"),
      routes: [{ method: "GET", path: "/slow", handle: () => json(200, {}) }],
    });
    const started = Date.now();
    expect((await handler(buildHttpApiEvent({ path: "/slow" }))).statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4);
  });
});
