import { createHash } from "node:crypto";
import { BadRequestError } from "./http.js";

export interface StoryRequest {
  childId: string;
  prompt: string;
}

export interface Story {
  id: string;
  childId: string;
  prompt: string;
  title: string;
  body: string;
  wordCount: number;
  generator: "universal-agent";
}

export const MAX_PROMPT_LENGTH = 500;
const CHILD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates an untrusted request body; throws BadRequestError listing every problem. */
export function validateStoryRequest(input: unknown): StoryRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new BadRequestError("invalid request", ["body must be a JSON object"]);
  }
  const { childId, prompt } = input as Record<string, unknown>;
  const details: string[] = [];
  if (typeof childId !== "string" || !CHILD_ID_PATTERN.test(childId)) {
    details.push("childId must be a string of 1-64 letters, digits, '-' or '_'");
  }
  if (typeof prompt !== "string" || prompt.trim().length === 0) {
    details.push("prompt must be a non-empty string");
  } else if (prompt.length > MAX_PROMPT_LENGTH) {
    details.push(`prompt must be at most ${MAX_PROMPT_LENGTH} characters`);
  }
  if (details.length > 0) throw new BadRequestError("invalid request", details);
  return { childId: childId as string, prompt: (prompt as string).trim() };
}

const HEROES = ["a curious fox", "a brave little dragon", "a kind robot", "a sleepy owl"];
const PLACES = [
  "an enchanted forest",
  "a floating island",
  "a lighthouse by the sea",
  "a garden of giant flowers",
];
const ENDINGS = [
  "and everyone learned that kindness is the bravest magic of all.",
  "and they all went home with a pocketful of stars.",
  "and the whole town sang until the moon yawned.",
  "and from that day on, nobody was ever afraid of the dark again.",
];

function titleCase(words: string[]): string {
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()).join(" ");
}

/** Formats 16 bytes of a digest as an RFC 4122 style UUID (version 5 bits). */
function digestToUuid(digest: Buffer): string {
  const bytes = Buffer.from(digest.subarray(0, 16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Deterministic story generation: the same request always yields the same story. */
export function generateStory(request: StoryRequest): Story {
  const digest = createHash("sha256").update(`${request.childId}\n${request.prompt}`).digest();
  const pick = (list: readonly string[], index: number): string =>
    list[(digest[index] as number) % list.length] as string;

  const words = request.prompt.match(/[\p{L}\p{N}]+/gu) ?? [];
  const subject = words.length > 0 ? titleCase(words.slice(0, 5)) : "A Wonderful Day";
  const hero = pick(HEROES, 0);
  const place = pick(PLACES, 1);
  const body = [
    `Once upon a time, in ${place}, there lived ${hero}.`,
    `One day the adventure began with a wish: ${request.prompt.replace(/\s+/g, " ")}.`,
    `There were puzzles to solve and friends to help along the way,`,
    pick(ENDINGS, 2),
  ].join(" ");

  return {
    id: digestToUuid(digest),
    childId: request.childId,
    prompt: request.prompt,
    title: `The Tale of ${subject}`,
    body,
    wordCount: body.split(/\s+/).length,
    generator: "universal-agent",
  };
}
