import {
  agentHealth,
  createHandler,
  errorResponse,
  generate,
  healthBody,
  json,
  loadConfig,
  parseJsonBody,
  readPackageVersion,
  validateStoryRequest,
  type Handler,
  type HandlerFactoryOptions,
  type Route,
} from "@storytailor/universal-agent";
import { StoryStore } from "./story-store.js";

export const ROUTER_SERVICE = "router";
export const ROUTER_PACKAGE_VERSION = readPackageVersion(
  new URL("../package.json", import.meta.url),
);

export function routerRoutes(store: StoryStore, env: Record<string, string | undefined>): Route[] {
  const health: Route["handle"] = ({ config }) =>
    json(200, healthBody(ROUTER_SERVICE, config.version));
  return [
    { method: "GET", path: "/health", health: true, handle: health },
    { method: "GET", path: "/v1/router/health", health: true, handle: health },
    {
      method: "GET",
      path: "/v1/agent/health",
      health: true,
      handle: () => json(200, agentHealth(env)),
    },
    {
      method: "POST",
      path: "/v1/stories",
      protected: true,
      handle: ({ event }) => {
        const story = generate(validateStoryRequest(parseJsonBody(event)));
        store.put(story);
        return json(201, story, { location: `/v1/stories/${story.id}` });
      },
    },
    {
      method: "GET",
      path: "/v1/stories/:id",
      protected: true,
      handle: ({ params }) => {
        const story = store.get(params.id as string);
        return story ? json(200, story) : errorResponse(404, "story not found");
      },
    },
  ];
}

export interface RouterFactoryOptions extends HandlerFactoryOptions {
  store?: StoryStore;
}

export function createRouterHandler(options: RouterFactoryOptions = {}): Handler {
  const env = options.env ?? process.env;
  return createHandler({
    config: loadConfig(env, ROUTER_PACKAGE_VERSION),
    routes: routerRoutes(options.store ?? new StoryStore(), env),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}
