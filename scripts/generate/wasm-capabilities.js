// Prints OPA capabilities limited to the builtins that @open-policy-agent/opa-wasm implements,
// so `opa build -t wasm` rejects a policy that would fail only at evaluation time in Node.
const fs = require("node:fs");
const [currentFile, sdkFile] = process.argv.slice(2);
const current = JSON.parse(fs.readFileSync(currentFile, "utf8"));
const sdk = JSON.parse(fs.readFileSync(sdkFile, "utf8"));
const supported = new Set(sdk.builtins.map((b) => b.name));
// rego.metadata.* calls are rewritten to constants at compile time, so they need no runtime support.
const compileTime = new Set(["rego.metadata.chain", "rego.metadata.rule"]);
current.builtins = current.builtins.filter((b) => supported.has(b.name) || compileTime.has(b.name));
process.stdout.write(JSON.stringify(current));
