import { createHandler, type Route } from "./app.js";
import { loadConfig } from "./config.js";
import { json, parseJsonBody, type Handler } from "./http.js";
import type { Clock } from "./rate-limiter.js";
import { generateStory, validateStoryRequest, type Story, type StoryRequest } from "./story.js";
import { readPackageVersion } from "./version.js";

export const AGENT_SERVICE = "universal-agent";
export const AGENT_PACKAGE_VERSION = readPackageVersion(
  new URL("../package.json", import.meta.url),
);

export interface HealthBody {
  status: "ok";
  service: string;
  version: string;
}

export function healthBody(service: string, version: string): HealthBody {
  return { status: "ok", service, version };
}

/** Health of the universal agent; the router calls this in process. */
export function agentHealth(env: Record<string, string | undefined> = process.env): HealthBody {
  return healthBody(AGENT_SERVICE, env.APP_VERSION?.trim() || AGENT_PACKAGE_VERSION);
}

/** The agent's story generation, exposed for in-process callers such as the router. */
export function generate(request: StoryRequest): Story {
  return generateStory(request);
}

export function agentRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/health",
      health: true,
      handle: ({ config }) => json(200, healthBody(AGENT_SERVICE, config.version)),
    },
    {
      method: "POST",
      path: "/v1/agent/generate",
      protected: true,
      handle: ({ event }) => json(200, generate(validateStoryRequest(parseJsonBody(event)))),
    },
  ];
}

export interface HandlerFactoryOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
}

export function createAgentHandler(options: HandlerFactoryOptions = {}): Handler {
  return createHandler({
    config: loadConfig(options.env ?? process.env, AGENT_PACKAGE_VERSION),
    routes: agentRoutes(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}
