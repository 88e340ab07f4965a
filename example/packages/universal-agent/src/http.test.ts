import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  buildHttpApiEvent,
  clientIp,
  errorResponse,
  json,
  normalizeHeaders,
  parseJsonBody,
} from "./http.js";

describe("http helpers", () => {
  it("serialises JSON responses", () => {
    expect(json(200, { a: 1 }, { x: "y" })).toEqual({
      statusCode: 200,
      headers: { x: "y" },
      body: '{"a":1}',
    });
    expect(json(204, undefined).body).toBe("");
    expect(errorResponse(404, "nope")).toEqual({
      statusCode: 404,
      headers: {},
      body: '{"error":"nope"}',
    });
  });

  it("lower-cases header names and drops undefined values", () => {
    expect(normalizeHeaders({ "X-Api-Key": "k", Other: undefined })).toEqual({ "x-api-key": "k" });
    expect(normalizeHeaders(undefined)).toEqual({});
  });

  it("parses plain and base64 bodies", () => {
    expect(parseJsonBody(buildHttpApiEvent({ body: '{"a":1}' }))).toEqual({ a: 1 });
    const event = buildHttpApiEvent({ body: Buffer.from('{"b":2}').toString("base64") });
    event.isBase64Encoded = true;
    expect(parseJsonBody(event)).toEqual({ b: 2 });
  });

  it("rejects missing or malformed bodies", () => {
    expect(() => parseJsonBody(buildHttpApiEvent())).toThrow(BadRequestError);
    expect(() => parseJsonBody(buildHttpApiEvent({ body: "{" }))).toThrow("valid JSON");
  });

  it("finds the client IP", () => {
    const event = buildHttpApiEvent({ sourceIp: "10.0.0.1" });
    expect(clientIp(event, { "x-forwarded-for": " 203.0.113.9 , 10.0.0.2" })).toBe("203.0.113.9");
    expect(clientIp(event, { "x-forwarded-for": "" })).toBe("10.0.0.1");
    expect(clientIp(event, {})).toBe("10.0.0.1");
    delete event.requestContext.http.sourceIp;
    expect(clientIp(event, {})).toBe("unknown");
  });

  it("builds v2 events with defaults", () => {
    const event = buildHttpApiEvent();
    expect(event.rawPath).toBe("/");
    expect(event.requestContext.http.method).toBe("GET");
    expect(event.body).toBeUndefined();
    expect(buildHttpApiEvent({ method: "post", body: "" }).requestContext.http.method).toBe("POST");
  });
});
