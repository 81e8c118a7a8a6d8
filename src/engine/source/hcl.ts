// @cdktf/hcl2json starts its Go wasm runtime as soon as it is loaded (about a tenth of a second of CPU):
// loaded on first use, so runs that read no Terraform source never pay for it.
type Hcl2Json = typeof import("@cdktf/hcl2json");

let loaded: Hcl2Json | undefined;

export const hcl2json = (): Hcl2Json => {
  loaded ??= require("@cdktf/hcl2json") as Hcl2Json;
  return loaded;
};
