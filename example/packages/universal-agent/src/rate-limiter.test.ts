import { describe, expect, it } from "vitest";
import { TokenBucketRateLimiter } from "./rate-limiter.js";

function fakeClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TokenBucketRateLimiter", () => {
  it("allows a burst of `capacity` requests then refuses", () => {
    const clock = fakeClock();
    const limiter = new TokenBucketRateLimiter(3, 1, clock.now);
    expect([1, 2, 3].map(() => limiter.take("a").allowed)).toEqual([true, true, true]);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("refills over time, capped at capacity", () => {
    const clock = fakeClock();
    const limiter = new TokenBucketRateLimiter(2, 2, clock.now);
    limiter.take("a");
    limiter.take("a");
    expect(limiter.take("a").allowed).toBe(false);
    clock.advance(500);
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    clock.advance(60_000);
    expect([1, 2, 3].map(() => limiter.take("a").allowed)).toEqual([true, true, false]);
  });

  it("keeps separate buckets per key", () => {
    const limiter = new TokenBucketRateLimiter(1, 1, fakeClock().now);
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("b").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
  });

  it("rounds Retry-After up to whole seconds, at least 1", () => {
    const clock = fakeClock();
    const slow = new TokenBucketRateLimiter(1, 0.25, clock.now);
    slow.take("a");
    expect(slow.take("a").retryAfterSeconds).toBe(4);
    const none = new TokenBucketRateLimiter(1, 0, clock.now);
    none.take("a");
    expect(none.take("a").retryAfterSeconds).toBe(60);
  });

  it("ignores a clock that goes backwards", () => {
    const clock = fakeClock(10_000);
    const limiter = new TokenBucketRateLimiter(1, 1, clock.now);
    limiter.take("a");
    clock.advance(-5_000);
    expect(limiter.take("a").allowed).toBe(false);
  });

  it("bounds the number of tracked keys", () => {
    const clock = fakeClock();
    const limiter = new TokenBucketRateLimiter(2, 1, clock.now, 2);
    limiter.take("a");
    limiter.take("b");
    limiter.take("c"); // no bucket is full again yet: evicts the oldest ("a")
    expect(limiter.size).toBe(2);
    clock.advance(10_000);
    limiter.take("d"); // "b" and "c" have refilled: both dropped
    expect(limiter.size).toBe(1);
  });

  it("uses Date.now by default", () => {
    expect(new TokenBucketRateLimiter(1, 1).take("a").allowed).toBe(true);
  });
});
