import { closeSync, writeSync } from "node:fs";
import { GuardrailsError } from "../engine";

/**
 * Linux sealed memory files (memfd_create + F_ADD_SEALS), through libc. Node has no API for either, so
 * libc is called through ffi-rs: prebuilt per-platform binaries, no install script, MIT. It is loaded
 * on first use, so only deploy needs it.
 */
type Ffi = typeof import("ffi-rs");

const MFD_CLOEXEC = 0x0001;
const MFD_ALLOW_SEALING = 0x0002;
const F_ADD_SEALS = 1033;
const F_GET_SEALS = 1034;
const F_SEAL_SEAL = 0x0001;
const F_SEAL_SHRINK = 0x0002;
const F_SEAL_GROW = 0x0004;
const F_SEAL_WRITE = 0x0008;
/** No more writes, no size change, and no way to lift or change the seals. */
export const ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

const REFUSAL =
  "terraform is given the saved plan only as a sealed memory file (Linux memfd with F_SEAL_WRITE), so that no process can change it between validation and apply";

let libc: ((funcName: string, args: readonly number[] | readonly [string, number]) => number) | undefined;

function call(funcName: string, args: readonly number[] | readonly [string, number]): number {
  if (!libc) {
    if (process.platform !== "linux") {
      throw new GuardrailsError(
        `${REFUSAL}, which ${process.platform} does not have; refusing to go on (nothing was applied)`,
      );
    }
    let ffi: Ffi;
    try {
      ffi = require("ffi-rs") as Ffi;
      ffi.open({ library: "libc", path: "libc.so.6" });
    } catch (err) {
      throw new GuardrailsError(
        `${REFUSAL}, but libc cannot be called here (${(err as Error).message.split("\n")[0]}); refusing to go on (nothing was applied)`,
      );
    }
    libc = (name, values) => {
      const paramsType = values.map((v) => (typeof v === "string" ? ffi.DataType.String : ffi.DataType.I32));
      const result = ffi.load({
        library: "libc",
        funcName: name,
        retType: ffi.DataType.I32,
        paramsType,
        paramsValue: [...values],
        errno: true as const,
      }) as { value: number; errnoCode: number; errnoMessage: string };
      if (result.value < 0) throw Object.assign(new Error(result.errnoMessage), { errno: result.errnoCode });
      return result.value;
    };
  }
  return libc(funcName, args);
}

/**
 * A new memory file holding exactly `bytes`, sealed against every write, resize and seal change; the
 * seals are read back before it is trusted. Refuses (GuardrailsError) where the kernel or platform
 * cannot seal: without the seals a process of the same user could rewrite it through /proc/<pid>/fd.
 */
export function sealedMemoryFile(name: string, bytes: Buffer): number {
  let fd: number;
  try {
    fd = call("memfd_create", [name, MFD_CLOEXEC | MFD_ALLOW_SEALING]);
  } catch (err) {
    if (err instanceof GuardrailsError) throw err;
    throw new GuardrailsError(
      `${REFUSAL}, which this kernel refused (memfd_create: ${(err as Error).message}); refusing to go on (nothing was applied)`,
    );
  }
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
    call("fcntl", [fd, F_ADD_SEALS, ALL_SEALS]);
    const seals = call("fcntl", [fd, F_GET_SEALS, 0]);
    if ((seals & ALL_SEALS) !== ALL_SEALS) throw new Error(`seals read back as 0x${seals.toString(16)}`);
    return fd;
  } catch (err) {
    closeSync(fd);
    if (err instanceof GuardrailsError) throw err;
    throw new GuardrailsError(
      `${REFUSAL}, which could not be sealed here (${(err as Error).message}); refusing to go on (nothing was applied)`,
    );
  }
}

/** The seals on fd now (F_GET_SEALS). */
export function sealsOf(fd: number): number {
  return call("fcntl", [fd, F_GET_SEALS, 0]);
}
