import { describe, expect, it } from "vitest";
import { DEFAULT_CORS_ALLOWED_ORIGINS, loadConfig, parseOrigins } from "./config.js";

describe("loadConfig", () => {
  it("applies defaults", () => {
    expect(loadConfig({}, "1.2.3")).toEqual({
      version: "1.2.3",
      apiKey: undefined,
      corsAllowedOrigins: DEFAULT_CORS_ALLOWED_ORIGINS,
      rateLimitBurst: 20,
      rateLimitPerSecond: 10,
      simulatedLatencyMs: 0,
    });
  });

  it("reads every variable", () => {
    const config = loadConfig(
      {
        APP_VERSION: "v9.9.9",
        API_KEY: " secret ",
        CORS_ALLOWED_ORIGINS: "https://a.example, https://b.example/",
        RATE_LIMIT_BURST: "5",
        RATE_LIMIT_PER_SECOND: "0.5",
        SIMULATED_LATENCY_MS: "25",
      },
      "1.0.0",
    );
    expect(config).toEqual({
      version: "v9.9.9",
      apiKey: "secret",
      corsAllowedOrigins: ["https://a.example", "https://b.example"],
      rateLimitBurst: 5,
      rateLimitPerSecond: 0.5,
      simulatedLatencyMs: 25,
    });
  });

  it("falls back on invalid or blank values", () => {
    const config = loadConfig(
      {
        API_KEY: "  ",
        RATE_LIMIT_BURST: "zero",
        RATE_LIMIT_PER_SECOND: "-1",
        SIMULATED_LATENCY_MS: " ",
      },
      "1.0.0",
    );
    expect(config.apiKey).toBeUndefined();
    expect(config.rateLimitBurst).toBe(20);
    expect(config.rateLimitPerSecond).toBe(10);
    expect(config.simulatedLatencyMs).toBe(0);
  });
});

describe("parseOrigins", () => {
  it("uses the defaults when unset or blank", () => {
    expect(parseOrigins(undefined)).toEqual(DEFAULT_CORS_ALLOWED_ORIGINS);
    expect(parseOrigins("")).toEqual(DEFAULT_CORS_ALLOWED_ORIGINS);
  });

  it("drops empty entries", () => {
    expect(parseOrigins("https://x.example,,")).toEqual(["https://x.example"]);
  });
});
