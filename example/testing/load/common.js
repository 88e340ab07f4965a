// Shared request mix for the k6 load tests (runs in k6, not Node).
import http from "k6/http";
import { check } from "k6";

export const BASE_URL = (__ENV.BASE_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");
export const API_KEY = __ENV.API_KEY || "";

const prompts = [
  "a dragon who bakes bread",
  "a moon picnic",
  "a shy whale who sings",
  "a robot gardener",
];

/**
 * One request per iteration: with an API key, every other iteration creates a
 * story; the rest (and all iterations without a key) hit /health.
 */
export function exercise() {
  if (API_KEY && __ITER % 2 === 1) {
    const prompt = prompts[Math.floor(__ITER / 2) % prompts.length];
    const story = http.post(
      `${BASE_URL}/v1/stories`,
      JSON.stringify({ childId: `load-${__VU % 100}`, prompt }),
      {
        headers: { "content-type": "application/json", "x-api-key": API_KEY },
        tags: { name: "create_story" },
      },
    );
    check(story, { "story is 201": (r) => r.status === 201 });
    return;
  }
  const health = http.get(`${BASE_URL}/health`, { tags: { name: "health" } });
  check(health, { "health is 200": (r) => r.status === 200 });
}
