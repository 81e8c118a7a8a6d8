// Prints the capabilities of the opa on PATH limited to the builtins that @open-policy-agent/opa-wasm
// implements, so `opa build -t wasm` rejects a policy that would fail only at evaluation time in Node
// (and Regal suggests no builtin the runtime lacks).
const { execFileSync } = require("node:child_process");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const current = JSON.parse(execFileSync("opa", ["capabilities", "--current"], { encoding: "utf8" }));
// Not among the package's exports: read from its folder.
const sdkFile = join(__dirname, "..", "..", "node_modules", "@open-policy-agent", "opa-wasm", "capabilities.json");
const sdk = JSON.parse(readFileSync(sdkFile, "utf8"));
const supported = new Set(sdk.builtins.map((b) => b.name));
// rego.metadata.* calls are rewritten to constants at compile time, so they need no runtime support.
const compileTime = new Set(["rego.metadata.chain", "rego.metadata.rule"]);
current.builtins = current.builtins.filter((b) => supported.has(b.name) || compileTime.has(b.name));
process.stdout.write(JSON.stringify(current));
