/**
 * The lock of a results folder: one process at a time writes it.
 *
 * The lock is an advisory `flock` on `DIR/.lock`, which also holds the holder's process id
 * and host for the error message. The kernel releases a `flock` when its process dies, so a
 * lock left by a process killed with SIGKILL is free again at once: the next process takes
 * it over and overwrites the stale id. No process id is ever tested for being alive, so a
 * recycled id cannot fool it. Web Workers are threads of the process that holds the lock.
 *
 * @module
 */
import { namingPath } from "../output/atomic.ts";

/** File name of the lock inside a results folder. */
export const LOCK_FILE = ".lock";

/** The folder is locked by another process; `holder` is what that process wrote. */
export class FolderBusyError extends Error {
  /** A command meeting it exits 1, as one line (src/cli/guard.ts). */
  readonly exitCode = 1;
  /** The holder's `pid` (and host), as it wrote them; empty when unreadable. */
  readonly holder: string;
  /** @param dir the folder. @param holder what the holder wrote. */
  constructor(dir: string, holder: string) {
    super(
      `${dir} is in use by another process (${holder || "holder unknown"}); ` +
        "wait for it to finish or stop it, or pick another --out",
    );
    this.name = "FolderBusyError";
    this.holder = holder;
  }
}

/** A held folder lock; {@link FolderLock.release} frees it. */
export class FolderLock {
  readonly #file: Deno.FsFile;
  /** What the previous holder had written when the lock was free but not empty (a process
   * that died holding it), else `""`. */
  readonly takenOverFrom: string;

  private constructor(file: Deno.FsFile, takenOverFrom: string) {
    this.#file = file;
    this.takenOverFrom = takenOverFrom;
  }

  /**
   * Takes the lock of `dir` (which must exist) or throws {@link FolderBusyError} naming the
   * holder.
   *
   * @example
   * ```ts
   * import { FolderBusyError, FolderLock } from "./lock.ts";
   * const dir = await Deno.makeTempDir();
   * const lock = await FolderLock.acquire(dir);
   * const second = await FolderLock.acquire(dir).catch((e) => e);
   * if (!(second instanceof FolderBusyError)) throw new Error("a second lock was granted");
   * lock.release();
   * (await FolderLock.acquire(dir)).release(); // free again
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async acquire(dir: string): Promise<FolderLock> {
    const path = `${dir}/${LOCK_FILE}`;
    const file = await Deno.open(path, { read: true, write: true, create: true });
    let locked = false;
    try {
      locked = await file.tryLock(true);
    } catch (e) {
      file.close();
      throw e;
    }
    if (!locked) {
      file.close();
      const holder = await Deno.readTextFile(path).then((t) => t.trim(), () => "");
      throw new FolderBusyError(dir, holder);
    }
    const previous = new TextDecoder().decode(await readAll(file)).trim();
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    const me = `pid ${Deno.pid} on ${hostname()} since ${new Date().toISOString()}`;
    await file.write(new TextEncoder().encode(me + "\n")).catch((e) => {
      file.close();
      throw namingPath(e, path);
    });
    return new FolderLock(file, previous);
  }

  /** Frees the lock (the file stays, empty, so no other process's open handle is orphaned). */
  release(): void {
    try {
      this.#file.truncateSync(0);
      this.#file.unlockSync();
    } finally {
      this.#file.close();
    }
  }
}

async function readAll(file: Deno.FsFile): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await file.read(buf);
    if (n === null || n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), at += c.length);
  return out;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "this host"; // no --allow-sys=hostname: the pid alone still names the holder
  }
}
