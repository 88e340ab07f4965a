/**
 * Minimal subset of the API Gateway HTTP API (payload format 2.0) event and
 * result shapes. Hand-written so the packages have no runtime or type-only
 * dependency on external Lambda typings.
 */
export interface HttpApiEvent {
  version?: string;
  routeKey?: string;
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    http: {
      method: string;
      path?: string;
      sourceIp?: string;
    };
    requestId?: string;
  };
}

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type Handler = (event: HttpApiEvent) => Promise<HttpApiResult>;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "content-type": "application/json; charset=utf-8",
});

export function json(
  statusCode: number,
  payload: unknown,
  headers: Record<string, string> = {},
): HttpApiResult {
  return {
    statusCode,
    headers: { ...headers },
    body: payload === undefined ? "" : JSON.stringify(payload),
  };
}

export function errorResponse(
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): HttpApiResult {
  return json(statusCode, { error: message }, headers);
}

/** Returns a copy of the headers with lower-cased names. */
export function normalizeHeaders(
  headers: Record<string, string | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "BadRequestError";
  }
}

/** Parses a JSON request body, decoding base64 when API Gateway says so. */
export function parseJsonBody(event: HttpApiEvent): unknown {
  if (!event.body) throw new BadRequestError("request body is required");
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, "base64").toString("utf8")
    : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError("request body must be valid JSON");
  }
}

export function clientIp(event: HttpApiEvent, headers: Record<string, string>): string {
  const forwarded = headers["x-forwarded-for"]?.split(",")[0]?.trim();
  if (forwarded) return forwarded;
  return event.requestContext.http.sourceIp ?? "unknown";
}

export interface EventInit {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
  sourceIp?: string;
}

/** Builds an HTTP API v2 event; used by the local server and by tests. */
export function buildHttpApiEvent(init: EventInit = {}): HttpApiEvent {
  const path = init.path ?? "/";
  const event: HttpApiEvent = {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: init.query ?? "",
    headers: { ...init.headers },
    isBase64Encoded: false,
    requestContext: {
      http: {
        method: (init.method ?? "GET").toUpperCase(),
        path,
        sourceIp: init.sourceIp ?? "127.0.0.1",
      },
    },
  };
  if (init.body !== undefined && init.body.length > 0) event.body = init.body;
  return event;
}
