import { handler } from "./handler.js";
import { runLocalServer } from "./local-server.js";

await runLocalServer(handler, { defaultPort: 3001 });
