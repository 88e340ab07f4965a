import { createAgentHandler } from "./agent.js";
import type { Handler } from "./http.js";

/** AWS Lambda entry point (API Gateway HTTP API, payload format 2.0). */
export const handler: Handler = createAgentHandler();
