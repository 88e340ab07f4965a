import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { readPackageVersion } from "./version.js";

function tempFile(content: string): URL {
  const file = join(mkdtempSync(join(tmpdir(), "version-")), "package.json");
  writeFileSync(file, content);
  return pathToFileURL(file);
}

describe("readPackageVersion", () => {
  it("reads this package's version", () => {
    expect(readPackageVersion(new URL("../package.json", import.meta.url))).toMatch(
      /^\d+\.\d+\.\d+/,
    );
  });

  it("falls back when the file is missing, malformed or has no version", () => {
    expect(readPackageVersion(new URL("file:///nonexistent/package.json"))).toBe("0.0.0");
    expect(readPackageVersion(tempFile("{not json"))).toBe("0.0.0");
    expect(readPackageVersion(tempFile('{"name":"x"}'))).toBe("0.0.0");
  });
});
