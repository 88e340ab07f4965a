import { isAuthorized } from "./auth.js";
import type { RuntimeConfig } from "./config.js";
import { corsHeaders, isOriginAllowed, preflightHeaders } from "./cors.js";
import {
  BadRequestError,
  clientIp,
  errorResponse,
  json,
  normalizeHeaders,
  SECURITY_HEADERS,
  type Handler,
  type HttpApiEvent,
  type HttpApiResult,
} from "./http.js";
import { TokenBucketRateLimiter, type Clock } from "./rate-limiter.js";

export interface RouteContext {
  event: HttpApiEvent;
  headers: Record<string, string>;
  params: Record<string, string>;
  config: RuntimeConfig;
}

export interface Route {
  method: "GET" | "POST";
  /** Path pattern; segments starting with ":" capture a parameter. */
  path: string;
  /** Requires a valid x-api-key header. */
  protected?: boolean;
  /** Health routes skip the simulated latency. */
  health?: boolean;
  handle: (context: RouteContext) => HttpApiResult | Promise<HttpApiResult>;
}

export interface AppOptions {
  config: RuntimeConfig;
  routes: Route[];
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  logError?: (message: string, error: unknown) => void;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const expected = splitPath(pattern);
  const actual = splitPath(path);
  if (expected.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    const value = actual[index] as string;
    if (segment.startsWith(":")) params[segment.slice(1)] = decodeURIComponent(value);
    else if (segment !== value) return undefined;
  }
  return params;
}

/**
 * Builds a Lambda handler that applies, in order: security headers, CORS,
 * per-IP rate limiting, routing, API-key auth and simulated latency.
 */
export function createHandler(options: AppOptions): Handler {
  const { config, routes } = options;
  const sleep = options.sleep ?? defaultSleep;
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  const limiter = new TokenBucketRateLimiter(
    config.rateLimitBurst,
    config.rateLimitPerSecond,
    options.clock ?? Date.now,
  );

  async function dispatch(
    event: HttpApiEvent,
    headers: Record<string, string>,
  ): Promise<HttpApiResult> {
    const method = event.requestContext.http.method.toUpperCase();
    const origin = headers.origin;

    const decision = limiter.take(clientIp(event, headers));
    if (!decision.allowed) {
      return errorResponse(429, "too many requests", {
        "retry-after": String(decision.retryAfterSeconds),
      });
    }

    if (method === "OPTIONS") {
      if (origin !== undefined && isOriginAllowed(origin, config.corsAllowedOrigins)) {
        return { statusCode: 204, headers: preflightHeaders(origin), body: "" };
      }
      return errorResponse(403, "origin not allowed");
    }

    const path = event.rawPath || event.requestContext.http.path || "/";
    let pathMatched = false;
    for (const route of routes) {
      const params = matchPath(route.path, path);
      if (params === undefined) continue;
      pathMatched = true;
      if (route.method !== method) continue;

      if (route.protected && !isAuthorized(headers["x-api-key"], config.apiKey)) {
        return errorResponse(401, "unauthorized");
      }
      if (!route.health && config.simulatedLatencyMs > 0) await sleep(config.simulatedLatencyMs);
      return route.handle({ event, headers, params, config });
    }
    if (pathMatched) {
      const allow = routes.filter((r) => matchPath(r.path, path)).map((r) => r.method);
      return errorResponse(405, "method not allowed", { allow: [...allow, "OPTIONS"].join(", ") });
    }
    return errorResponse(404, "not found");
  }

  return async (event) => {
    const headers = normalizeHeaders(event.headers);
    let result: HttpApiResult;
    try {
      result = await dispatch(event, headers);
    } catch (error) {
      if (error instanceof BadRequestError) {
        result = json(400, { error: error.message, details: error.details });
      } else {
        logError("unhandled error", error);
        result = errorResponse(500, "internal error");
      }
    }
    return {
      statusCode: result.statusCode,
      headers: {
        ...result.headers,
        ...corsHeaders(headers.origin, config.corsAllowedOrigins),
        ...SECURITY_HEADERS,
      },
      body: result.body,
    };
  };
}
