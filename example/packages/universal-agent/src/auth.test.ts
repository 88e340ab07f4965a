import { describe, expect, it } from "vitest";
import { isAuthorized } from "./auth.js";

describe("isAuthorized", () => {
  it("accepts only the exact key", () => {
    expect(isAuthorized("secret", "secret")).toBe(true);
    expect(isAuthorized("Secret", "secret")).toBe(false);
    expect(isAuthorized("secret-but-longer", "secret")).toBe(false);
  });

  it("rejects when the key is missing or not configured", () => {
    expect(isAuthorized(undefined, "secret")).toBe(false);
    expect(isAuthorized("", "secret")).toBe(false);
    expect(isAuthorized("secret", undefined)).toBe(false);
    expect(isAuthorized("", "")).toBe(false);
  });
});
