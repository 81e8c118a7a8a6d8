import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { GuardrailsError } from "../engine";
import { ALL_SEALS, sealedMemoryFile, sealsOf } from "./memfd";

/**
 * A saved plan held so that what `terraform show` reads and what `terraform apply` applies are the
 * same bytes: read once from where `terraform plan` wrote it and copied into a Linux memory file
 * sealed against writes, resizing and further seal changes (F_SEAL_WRITE|SHRINK|GROW|SEAL). terraform
 * reads it as /dev/fd/3, an inherited descriptor. The file stays reachable as /proc/<pid>/fd/<n> to
 * processes of the same user (the change's own code runs as that user during synth and plan), and
 * such a process may even open it for writing, but every write and truncate fails: the seals belong
 * to the file, not to a descriptor, and bind root too. Where sealing is unavailable, deploy refuses.
 * The digest is still checked through the descriptor right before apply.
 */
export class SealedPlan {
  private constructor(
    private readonly fd: number,
    readonly sha256: string,
    private readonly size: number,
  ) {}

  /** The path terraform is given; the descriptor itself is passed as the child's fd 3 (childFd). */
  static readonly CHILD_PATH = "/dev/fd/3";

  /** Refuses (GuardrailsError) before any work where a plan could not be sealed. */
  static assertAvailable(): void {
    closeSync(sealedMemoryFile("ddb-guardrails-probe", Buffer.from("probe")));
  }

  /** Reads planFile once (not through a symlink) and seals its bytes in a memory file. */
  static seal(planFile: string): SealedPlan {
    const bytes = readOnce(planFile);
    const sealed = new SealedPlan(sealedMemoryFile("ddb-guardrails-plan", bytes), digest(bytes), bytes.length);
    sealed.verify();
    return sealed;
  }

  /** The descriptor to hand to a child as its fd 3. */
  get childFd(): number {
    return this.fd;
  }

  /** Fails unless the file is still sealed and its bytes are still the ones read from terraform plan. */
  verify(): void {
    const seals = sealsOf(this.fd);
    if ((seals & ALL_SEALS) !== ALL_SEALS) {
      throw new GuardrailsError(`the saved plan lost its seals (0x${seals.toString(16)}); refusing to apply`);
    }
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
