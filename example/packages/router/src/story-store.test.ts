import { generateStory } from "@storytailor/universal-agent";
import { describe, expect, it } from "vitest";
import { StoryStore } from "./story-store.js";

const story = (prompt: string) => generateStory({ childId: "c1", prompt });

describe("StoryStore", () => {
  it("stores and returns stories by id", () => {
    const store = new StoryStore();
    const s = story("owls");
    store.put(s);
    store.put(s);
    expect(store.get(s.id)).toEqual(s);
    expect(store.get("missing")).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it("evicts the oldest entry beyond its bound", () => {
    const store = new StoryStore(2);
    const [a, b, c] = [story("a"), story("b"), story("c")];
    store.put(a);
    store.put(b);
    store.put(a); // refreshes a
    store.put(c); // evicts b
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(a.id)).toEqual(a);
    expect(store.size).toBe(2);
  });
});
