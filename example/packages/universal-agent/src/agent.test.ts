import { describe, expect, it, vi } from "vitest";
import { AGENT_PACKAGE_VERSION, agentHealth, createAgentHandler, generate } from "./agent.js";
import { buildHttpApiEvent, SECURITY_HEADERS, type EventInit } from "./http.js";
import { handler as lambdaHandler } from "./handler.js";

const API_KEY = "test-key";
const ORIGIN = "https://app.storytailor.com";

function setup(env: Record<string, string> = {}) {
  const sleep = vi.fn(() => Promise.resolve());
  const handler = createAgentHandler({
    env: { API_KEY, APP_VERSION: "v1.2.3", ...env },
    clock: () => 0,
    sleep,
  });
  const call = (init: EventInit) => handler(buildHttpApiEvent(init));
  return { call, sleep };
}

const validBody = JSON.stringify({ childId: "child-1", prompt: "a brave turtle" });

describe("universal agent handler", () => {
  it("reports health", async () => {
    const { call } = setup();
    const res = await call({ path: "/health" });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      status: "ok",
      service: "universal-agent",
      version: "v1.2.3",
    });
  });

  it("uses the package version when APP_VERSION is unset", async () => {
    const handler = createAgentHandler({ env: {} });
    const res = await handler(buildHttpApiEvent({ path: "/health" }));
    expect(JSON.parse(res.body).version).toBe(AGENT_PACKAGE_VERSION);
    expect(agentHealth({}).version).toBe(AGENT_PACKAGE_VERSION);
    expect(agentHealth({ APP_VERSION: "v2" }).version).toBe("v2");
  });

  it("sets security headers on every response and discloses no server", async () => {
    const { call } = setup();
    for (const init of [
      { path: "/health" },
      { path: "/nope" },
      { method: "POST", path: "/v1/agent/generate" },
    ]) {
      const res = await call(init);
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
      expect(res.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
      expect(Object.keys(res.headers)).not.toContain("server");
      expect(Object.keys(res.headers)).not.toContain("x-powered-by");
    }
  });

  it("requires the API key", async () => {
    const { call } = setup();
    const missing = await call({ method: "POST", path: "/v1/agent/generate", body: validBody });
    expect(missing.statusCode).toBe(401);
    expect(JSON.parse(missing.body)).toEqual({ error: "unauthorized" });
    const wrong = await call({
      method: "POST",
      path: "/v1/agent/generate",
      body: validBody,
      headers: { "X-Api-Key": "nope" },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it("answers 401 when no API key is configured", async () => {
    const handler = createAgentHandler({ env: {} });
    const res = await handler(
      buildHttpApiEvent({
        method: "POST",
        path: "/v1/agent/generate",
        body: validBody,
        headers: { "x-api-key": "" },
      }),
    );
    expect(res.statusCode).toBe(401);
  });

  it("generates a story", async () => {
    const { call, sleep } = setup({ SIMULATED_LATENCY_MS: "15" });
    const res = await call({
      method: "POST",
      path: "/v1/agent/generate",
      body: validBody,
      headers: { "x-api-key": API_KEY },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual(
      generate({ childId: "child-1", prompt: "a brave turtle" }),
    );
    expect(sleep).toHaveBeenCalledWith(15);
  });

  it("skips the simulated latency on health and when zero", async () => {
    const slow = setup({ SIMULATED_LATENCY_MS: "15" });
    await slow.call({ path: "/health" });
    expect(slow.sleep).not.toHaveBeenCalled();
    const fast = setup();
    await fast.call({
      method: "POST",
      path: "/v1/agent/generate",
      body: validBody,
      headers: { "x-api-key": API_KEY },
    });
    expect(fast.sleep).not.toHaveBeenCalled();
  });

  it("validates the body", async () => {
    const { call } = setup();
    const headers = { "x-api-key": API_KEY };
    const bad = await call({
      method: "POST",
      path: "/v1/agent/generate",
      body: '{"childId":1}',
      headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).details).toHaveLength(2);
    const notJson = await call({ method: "POST", path: "/v1/agent/generate", body: "{", headers });
    expect(notJson.statusCode).toBe(400);
  });

  it("answers 404 and 405", async () => {
    const { call } = setup();
    expect((await call({ path: "/missing" })).statusCode).toBe(404);
    const res = await call({ method: "POST", path: "/health" });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe("GET, OPTIONS");
  });

  it("exports a ready Lambda handler", async () => {
    const res = await lambdaHandler(buildHttpApiEvent({ path: "/health" }));
    expect(res.statusCode).toBe(200);
  });
});

describe("CORS", () => {
  it("answers an allowed preflight with 204 and the echoed origin", async () => {
    const { call } = setup();
    const res = await call({
      method: "OPTIONS",
      path: "/v1/agent/generate",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "POST" },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe("");
    expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(res.headers["access-control-allow-methods"]).toContain("POST");
    expect(res.headers["access-control-allow-headers"]).toContain("x-api-key");
    expect(res.headers["access-control-max-age"]).toBeDefined();
    expect(res.headers.vary).toBe("Origin");
  });

  it("refuses a preflight from another origin or without origin", async () => {
    const { call } = setup();
    for (const headers of [{ origin: "https://evil.example" }, {}] as Record<string, string>[]) {
      const res = await call({ method: "OPTIONS", path: "/health", headers });
      expect(res.statusCode).toBe(403);
      expect(Object.keys(res.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    }
  });

  it("honours CORS_ALLOWED_ORIGINS", async () => {
    const { call } = setup({ CORS_ALLOWED_ORIGINS: "https://only.example" });
    expect(
      (await call({ method: "OPTIONS", path: "/health", headers: { origin: ORIGIN } })).statusCode,
    ).toBe(403);
    const ok = await call({
      method: "OPTIONS",
      path: "/health",
      headers: { origin: "https://only.example" },
    });
    expect(ok.statusCode).toBe(204);
  });

  it("adds the allow-origin header to simple responses only for allowed origins", async () => {
    const { call } = setup();
    const allowed = await call({ path: "/health", headers: { origin: ORIGIN } });
    expect(allowed.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const other = await call({ path: "/health", headers: { origin: "https://evil.example" } });
    expect(other.statusCode).toBe(200);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("rate limiting", () => {
  it("returns 429 with Retry-After once the burst is spent, per client IP", async () => {
    const { call } = setup({ RATE_LIMIT_BURST: "3", RATE_LIMIT_PER_SECOND: "1" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await call({ path: "/health" })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await call({ path: "/health" });
    expect(limited.headers["retry-after"]).toBe("1");
    expect(JSON.parse(limited.body)).toEqual({ error: "too many requests" });
    expect(limited.headers["x-content-type-options"]).toBe("nosniff");
    const other = await call({ path: "/health", headers: { "x-forwarded-for": "198.51.100.7" } });
    expect(other.statusCode).toBe(200);
  });
});
