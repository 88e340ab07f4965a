import { describe, expect, it } from "vitest";
import { BadRequestError } from "./http.js";
import { generateStory, MAX_PROMPT_LENGTH, validateStoryRequest } from "./story.js";

function details(input: unknown): string[] {
  try {
    validateStoryRequest(input);
  } catch (error) {
    if (error instanceof BadRequestError) return error.details;
    throw error;
  }
  return [];
}

describe("validateStoryRequest", () => {
  it("accepts and trims a valid request", () => {
    expect(validateStoryRequest({ childId: "child-1", prompt: "  a dragon  ", extra: 1 })).toEqual({
      childId: "child-1",
      prompt: "a dragon",
    });
  });

  it.each([null, [], "text", 42])("rejects a non-object body (%j)", (body) => {
    expect(details(body)).toEqual(["body must be a JSON object"]);
  });

  it("reports every invalid field", () => {
    expect(details({})).toHaveLength(2);
    expect(details({ childId: "bad id!", prompt: "ok" })[0]).toMatch(/childId/);
    expect(details({ childId: "c", prompt: "   " })[0]).toMatch(/non-empty/);
    expect(details({ childId: "c", prompt: "x".repeat(MAX_PROMPT_LENGTH + 1) })[0]).toMatch(
      /at most/,
    );
  });
});

describe("generateStory", () => {
  it("is deterministic", () => {
    const a = generateStory({ childId: "c1", prompt: "a dragon who bakes bread" });
    const b = generateStory({ childId: "c1", prompt: "a dragon who bakes bread" });
    expect(a).toEqual(b);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.title).toBe("The Tale of A Dragon Who Bakes Bread");
    expect(a.body).toContain("a dragon who bakes bread");
    expect(a.wordCount).toBeGreaterThan(10);
    expect(a.generator).toBe("universal-agent");
  });

  it("differs per child and prompt", () => {
    const a = generateStory({ childId: "c1", prompt: "space" });
    expect(generateStory({ childId: "c2", prompt: "space" }).id).not.toBe(a.id);
    expect(generateStory({ childId: "c1", prompt: "sea" }).id).not.toBe(a.id);
  });

  it("has a title even without words in the prompt", () => {
    expect(generateStory({ childId: "c1", prompt: "?!" }).title).toBe(
      "The Tale of A Wonderful Day",
    );
  });
});
