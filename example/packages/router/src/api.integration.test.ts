/**
 * Integration tests against a live deployment of the router.
 *   BASE_URL (required)  e.g. https://staging-api.storytailor.internal
 *   API_KEY  (optional)  enables the authenticated story test
 * Run with `npm run test:integration`.
 */
import { describe, expect, it } from "vitest";

const baseUrl = process.env.INTEGRATION_BASE_URL?.replace(/\/+$/, "");
const apiKey = process.env.API_KEY;

if (!baseUrl) {
  throw new Error(
    "BASE_URL must be set for integration tests (e.g. BASE_URL=http://127.0.0.1:3000)",
  );
}

describe(`live API at ${baseUrl}`, () => {
  it("GET /health answers ok with security headers", async () => {
    const res = await fetch(`${baseUrl}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; service: string; version: string };
    expect(body.status).toBe("ok");
    expect(typeof body.version).toBe("string");
    expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("GET /v1/agent/health reports the universal agent", async () => {
    const res = await fetch(`${baseUrl}/v1/agent/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { service: string }).service).toBe("universal-agent");
  });

  it("POST /v1/stories without an API key is rejected", async () => {
    const res = await fetch(`${baseUrl}/v1/stories`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ childId: "integration-child", prompt: "a friendly comet" }),
    });
    expect(res.status).toBe(401);
  });

  it.skipIf(!apiKey)("POST /v1/stories with the API key creates a story", async () => {
    const res = await fetch(`${baseUrl}/v1/stories`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey as string },
      body: JSON.stringify({ childId: "integration-child", prompt: "a friendly comet" }),
    });
    expect(res.status).toBe(201);
    const story = (await res.json()) as { id: string; childId: string; title: string };
    expect(story.childId).toBe("integration-child");
    expect(story.title.length).toBeGreaterThan(0);
  });
});
