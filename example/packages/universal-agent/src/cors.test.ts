import { describe, expect, it } from "vitest";
import { CORS_ALLOW_HEADERS, corsHeaders, isOriginAllowed, preflightHeaders } from "./cors.js";

const allowed = ["https://app.storytailor.com"];

describe("cors", () => {
  it("matches origins exactly", () => {
    expect(isOriginAllowed("https://app.storytailor.com", allowed)).toBe(true);
    expect(isOriginAllowed("https://evil.example", allowed)).toBe(false);
    expect(isOriginAllowed(undefined, allowed)).toBe(false);
  });

  it("echoes an allowed origin and never uses a wildcard", () => {
    expect(corsHeaders("https://app.storytailor.com", allowed)).toEqual({
      vary: "Origin",
      "access-control-allow-origin": "https://app.storytailor.com",
    });
  });

  it("adds no allow header for other origins", () => {
    expect(corsHeaders("https://evil.example", allowed)).toEqual({ vary: "Origin" });
    expect(corsHeaders(undefined, allowed)).toEqual({ vary: "Origin" });
  });

  it("builds preflight headers", () => {
    const headers = preflightHeaders("https://app.storytailor.com");
    expect(headers["access-control-allow-origin"]).toBe("https://app.storytailor.com");
    expect(headers["access-control-allow-headers"]).toBe(CORS_ALLOW_HEADERS);
    expect(CORS_ALLOW_HEADERS).toContain("x-api-key");
    expect(headers["access-control-max-age"]).toBe("600");
    expect(headers.vary).toBe("Origin");
  });
});
