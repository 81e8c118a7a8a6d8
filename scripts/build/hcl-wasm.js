// Part of npm run build: writes the HCL parser's wasm (@cdktn/hcl2json's main.wasm.gz) uncompressed to
// dist/src/engine/source/hcl2json-<version>.wasm (shipped in the npm package), which the parser's thread
// (src/engine/source/hcl-thread.ts) reads instead of unzipping the package's copy on every run that
// parses source: about 30 ms of a pull request's check. The version in the name ties the file to the
// package it came from; without the file the thread unzips.
const { readFileSync, writeFileSync, mkdirSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { gunzipSync } = require("node:zlib");

const pkg = dirname(require.resolve("@cdktn/hcl2json/package.json"));
const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const out = join(__dirname, "..", "..", "dist", "src", "engine", "source", `hcl2json-${version}.wasm`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, gunzipSync(readFileSync(join(pkg, "main.wasm.gz"))));
