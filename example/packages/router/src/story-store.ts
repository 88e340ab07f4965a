import type { Story } from "@storytailor/universal-agent";

/** Bounded in-memory story store (per Lambda instance); evicts the oldest entry. */
export class StoryStore {
  private readonly stories = new Map<string, Story>();

  constructor(private readonly maxEntries = 1000) {}

  put(story: Story): void {
    this.stories.delete(story.id);
    this.stories.set(story.id, story);
    if (this.stories.size > this.maxEntries) {
      const oldest = this.stories.keys().next().value as string;
      this.stories.delete(oldest);
    }
  }

  get(id: string): Story | undefined {
    return this.stories.get(id);
  }

  get size(): number {
    return this.stories.size;
  }
}
