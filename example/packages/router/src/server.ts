import { runLocalServer } from "@storytailor/universal-agent";
import { handler } from "./handler.js";

await runLocalServer(handler, { defaultPort: 3000 });
