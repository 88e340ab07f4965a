export const DEFAULT_CORS_ALLOWED_ORIGINS = [
  "https://storytailor.com",
  "https://app.storytailor.com",
  "http://localhost:5173",
];

export interface RuntimeConfig {
  /** Version reported by the health endpoints. */
  version: string;
  /** Expected value of the x-api-key header; undefined means every protected route answers 401. */
  apiKey: string | undefined;
  corsAllowedOrigins: string[];
  rateLimitBurst: number;
  rateLimitPerSecond: number;
  simulatedLatencyMs: number;
}

type Env = Record<string, string | undefined>;

function numberFromEnv(value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= min ? parsed : fallback;
}

export function parseOrigins(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [...DEFAULT_CORS_ALLOWED_ORIGINS];
  return value
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter((origin) => origin.length > 0);
}

export function loadConfig(env: Env, fallbackVersion: string): RuntimeConfig {
  const apiKey = env.API_KEY?.trim();
  return {
    version: env.APP_VERSION?.trim() || fallbackVersion,
    apiKey: apiKey ? apiKey : undefined,
    corsAllowedOrigins: parseOrigins(env.CORS_ALLOWED_ORIGINS),
    rateLimitBurst: numberFromEnv(env.RATE_LIMIT_BURST, 20, 1),
    rateLimitPerSecond: numberFromEnv(env.RATE_LIMIT_PER_SECOND, 10, 0),
    simulatedLatencyMs: numberFromEnv(env.SIMULATED_LATENCY_MS, 0, 0),
  };
}
