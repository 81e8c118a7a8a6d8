import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { GuardrailsError } from "../engine";

/**
 * A saved plan held so that what `terraform show` reads and what `terraform apply` applies are the
 * same bytes: read once from where `terraform plan` wrote it, written to a new file in a new private
 * folder (O_EXCL, O_NOFOLLOW, mode 0400), opened read-only and unlinked. No path leads to it any more:
 * terraform reads it as /dev/fd/3, an inherited descriptor, so swapping or editing files on disk
 * (by code of the change under review, which runs during synth and plan) cannot reach it.
 * Its digest is checked again through the descriptor right before apply.
 */
export class SealedPlan {
  private constructor(
    private readonly fd: number,
    readonly sha256: string,
    private readonly size: number,
  ) {}

  /** The path terraform is given; the descriptor itself is passed as the child's fd 3 (childFd). */
  static readonly CHILD_PATH = "/dev/fd/3";

  /** Reads planFile once (not through a symlink) and seals its bytes in a fresh folder under privateDir. */
  static seal(planFile: string, privateDir: string): SealedPlan {
    const bytes = readOnce(planFile);
    const dir = mkdtempSync(join(privateDir, "sealed-")); // 0700, a name nobody chose
    const path = join(dir, "tfplan");
    const writer = openSync(
      path,
      constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o400,
    );
    let reader: number;
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(writer, bytes, at, bytes.length - at, at);
      fsyncSync(writer);
      // Reopened through our own descriptor, not the path, so both are the same file.
      reader = openSync(`/proc/self/fd/${writer}`, constants.O_RDONLY);
    } finally {
      closeSync(writer);
      unlinkSync(path);
      rmdirSync(dir);
    }
    const sealed = new SealedPlan(reader, digest(bytes), bytes.length);
    sealed.verify();
    return sealed;
  }

  /** The descriptor to hand to a child as its fd 3. */
  get childFd(): number {
    return this.fd;
  }

  /** Fails unless the sealed bytes are still the ones read from terraform plan. */
  verify(): void {
    const now = digest(this.read());
    if (now !== this.sha256) {
      throw new GuardrailsError(
        `the saved plan changed after it was validated (sha256 ${this.sha256.slice(0, 12)} -> ${now.slice(0, 12)}); refusing to apply`,
      );
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(): Buffer {
    const size = fstatSync(this.fd).size;
    const bytes = Buffer.alloc(Math.max(size, this.size));
    let length = 0;
    for (
      let n: number;
      length < bytes.length && (n = readSync(this.fd, bytes, length, bytes.length - length, length)) > 0;
    )
      length += n;
    return bytes.subarray(0, length);
  }
}

function readOnce(planFile: string): Buffer {
  let fd: number;
  try {
    fd = openSync(planFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new GuardrailsError(
      `${planFile}: cannot read the saved plan: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    const chunks: Buffer[] = [];
    for (
      let chunk = Buffer.alloc(1 << 20), n: number;
      (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;
      chunk = Buffer.alloc(1 << 20)
    ) {
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

function digest(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
