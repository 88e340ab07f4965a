export const CORS_ALLOW_METHODS = "GET, POST, OPTIONS";
export const CORS_ALLOW_HEADERS = "content-type, authorization, x-api-key";
export const CORS_MAX_AGE_SECONDS = "600";

export function isOriginAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  return origin !== undefined && allowed.includes(origin);
}

/**
 * Headers for an ordinary (non-preflight) response. The allowed origin is
 * echoed back, never "*"; a disallowed origin gets no Access-Control-* header.
 */
export function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
): Record<string, string> {
  const headers: Record<string, string> = { vary: "Origin" };
  if (origin !== undefined && isOriginAllowed(origin, allowed)) {
    headers["access-control-allow-origin"] = origin;
  }
  return headers;
}

/** Headers for a successful preflight (OPTIONS) response. */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    vary: "Origin",
    "access-control-allow-origin": origin,
    "access-control-allow-methods": CORS_ALLOW_METHODS,
    "access-control-allow-headers": CORS_ALLOW_HEADERS,
    "access-control-max-age": CORS_MAX_AGE_SECONDS,
  };
}
