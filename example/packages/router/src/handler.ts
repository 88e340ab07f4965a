import type { Handler } from "@storytailor/universal-agent";
import { createRouterHandler } from "./router.js";

/** AWS Lambda entry point (API Gateway HTTP API, payload format 2.0). */
export const handler: Handler = createRouterHandler();
