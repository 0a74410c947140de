// Validates an OpenAPI document with @apidevtools/swagger-parser (the OpenAPI 3.1 schema, then
// $refs resolved and checked). Usage: node validate.mjs FILE. Prints one JSON line:
// {"valid":true,"paths":N,"operations":N} and exits 0, or {"valid":false,"error":"…"} and exits 1.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  const methods = ["get", "put", "post", "delete", "patch", "head", "options"];
  let operations = 0;
  for (const item of Object.values(api.paths)) {
    operations += methods.filter((m) => item[m]).length;
  }
  console.log(JSON.stringify({ valid: true, paths: Object.keys(api.paths).length, operations }));
} catch (e) {
  console.log(JSON.stringify({ valid: false, error: String(e.message || e) }));
  process.exit(1);
}
