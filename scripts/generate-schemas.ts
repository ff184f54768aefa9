// Regenerates the JSON Schemas from the zod schemas: schemas/ (published with the package) and
// the example workspace's copy. A test fails when either is stale.
import { writeSchemas } from "../src/workspace/init.js";

const root = new URL("..", import.meta.url).pathname;
for (const dir of [root, `${root}examples/workspace`]) {
  const written = await writeSchemas(dir);
  console.log(`${dir}: ${written.length ? written.join(", ") : "up to date"}`);
}
