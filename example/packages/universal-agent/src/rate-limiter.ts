export type Clock = () => number;

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until one token is available again; 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token bucket per key (client IP). Each bucket holds at most `capacity`
 * tokens and refills continuously at `refillPerSecond`.
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: Clock = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  take(key: string): RateLimitDecision {
    const now = this.now();
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    const missing = 1 - bucket.tokens;
    const seconds = this.refillPerSecond > 0 ? Math.ceil(missing / this.refillPerSecond) : 60;
    return { allowed: false, retryAfterSeconds: Math.max(1, seconds) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evictFullBuckets(now);
      bucket = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsedSeconds * this.refillPerSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  /** Drops buckets that would be full by now (they carry no state); else the oldest one. */
  private evictFullBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const elapsedSeconds = (now - bucket.updatedAt) / 1000;
      if (bucket.tokens + elapsedSeconds * this.refillPerSecond >= this.capacity) {
        this.buckets.delete(key);
      }
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }
}
