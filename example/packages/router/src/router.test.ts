import {
  buildHttpApiEvent,
  generateStory,
  SECURITY_HEADERS,
  startLocalServer,
  type EventInit,
} from "@storytailor/universal-agent";
import { describe, expect, it, vi } from "vitest";
import { handler as lambdaHandler } from "./handler.js";
import { createRouterHandler, ROUTER_PACKAGE_VERSION } from "./router.js";
import { StoryStore } from "./story-store.js";

const API_KEY = "router-key";
const auth = { "x-api-key": API_KEY };
const storyBody = JSON.stringify({ childId: "child-7", prompt: "a whale who sings lullabies" });

function setup(env: Record<string, string> = {}) {
  const sleep = vi.fn(() => Promise.resolve());
  const handler = createRouterHandler({
    env: { API_KEY, APP_VERSION: "v3.0.0", ...env },
    clock: () => 0,
    sleep,
    store: new StoryStore(),
  });
  return { call: (init: EventInit) => handler(buildHttpApiEvent(init)), sleep };
}

describe("router handler", () => {
  it.each(["/health", "/v1/router/health"])("reports its health on %s", async (path) => {
    const { call } = setup();
    const res = await call({ path });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "ok", service: "router", version: "v3.0.0" });
    expect(res.headers).toMatchObject(SECURITY_HEADERS);
  });

  it("falls back to the package version", async () => {
    const handler = createRouterHandler({ env: {} });
    const res = await handler(buildHttpApiEvent({ path: "/health" }));
    expect(JSON.parse(res.body).version).toBe(ROUTER_PACKAGE_VERSION);
  });

  it("reports the universal agent's health in process", async () => {
    const { call } = setup();
    const res = await call({ path: "/v1/agent/health" });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      status: "ok",
      service: "universal-agent",
      version: "v3.0.0",
    });
  });

  it("creates a story and serves it back", async () => {
    const { call, sleep } = setup({ SIMULATED_LATENCY_MS: "5" });
    const created = await call({
      method: "POST",
      path: "/v1/stories",
      body: storyBody,
      headers: auth,
    });
    expect(created.statusCode).toBe(201);
    const story = JSON.parse(created.body);
    expect(story).toEqual(
      generateStory({ childId: "child-7", prompt: "a whale who sings lullabies" }),
    );
    expect(created.headers.location).toBe(`/v1/stories/${story.id}`);
    expect(sleep).toHaveBeenCalledWith(5);

    const fetched = await call({ path: `/v1/stories/${story.id}`, headers: auth });
    expect(fetched.statusCode).toBe(200);
    expect(JSON.parse(fetched.body)).toEqual(story);
  });

  it("answers 404 for an unknown story", async () => {
    const { call } = setup();
    const res = await call({
      path: "/v1/stories/00000000-0000-0000-0000-000000000000",
      headers: auth,
    });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: "story not found" });
  });

  it("protects the story routes", async () => {
    const { call } = setup();
    expect((await call({ method: "POST", path: "/v1/stories", body: storyBody })).statusCode).toBe(
      401,
    );
    expect((await call({ path: "/v1/stories/abc" })).statusCode).toBe(401);
    expect(
      (await call({ path: "/v1/stories/abc", headers: { "x-api-key": "wrong" } })).statusCode,
    ).toBe(401);
  });

  it("validates story requests", async () => {
    const { call } = setup();
    const res = await call({
      method: "POST",
      path: "/v1/stories",
      body: JSON.stringify({ childId: "", prompt: 3 }),
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error).toBe("invalid request");
    expect((await call({ method: "POST", path: "/v1/stories", headers: auth })).statusCode).toBe(
      400,
    );
  });

  it("applies CORS and rate limiting", async () => {
    const { call } = setup({ RATE_LIMIT_BURST: "2", RATE_LIMIT_PER_SECOND: "0.5" });
    const preflight = await call({
      method: "OPTIONS",
      path: "/v1/stories",
      headers: { origin: "https://storytailor.com" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://storytailor.com");
    const denied = await call({
      method: "OPTIONS",
      path: "/v1/stories",
      headers: { origin: "https://x.example" },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
    const limited = await call({ path: "/health" });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBe("2");
  });

  it("exports a ready Lambda handler", async () => {
    expect((await lambdaHandler(buildHttpApiEvent({ path: "/v1/router/health" }))).statusCode).toBe(
      200,
    );
  });

  it("serves real HTTP through the local server", async () => {
    const server = await startLocalServer(createRouterHandler({ env: { API_KEY } }), {
      port: 0,
      host: "127.0.0.1",
    });
    try {
      const res = await fetch(`${server.url}/v1/stories`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: storyBody,
      });
      expect(res.status).toBe(201);
      const unauthorized = await fetch(`${server.url}/v1/stories`, {
        method: "POST",
        body: storyBody,
      });
      expect(unauthorized.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
