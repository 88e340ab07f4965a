import { readFileSync } from "node:fs";

/**
 * Reads the "version" field of a package.json. Falls back to "0.0.0" when the
 * file is missing (e.g. inside a bundled Lambda artifact) or malformed.
 */
export function readPackageVersion(packageJsonUrl: URL): string {
  try {
    const parsed = JSON.parse(readFileSync(packageJsonUrl, "utf8")) as { version?: unknown };
    return typeof parsed.version === "string" ? parsed.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
