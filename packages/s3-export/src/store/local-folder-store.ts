import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { ObjectNotFoundError, StoreNotFoundError, StoreRequestError } from "../errors.js";
import type { GetResult, ListEntry, ObjectInfo, ObjectStore, PutBody, PutOptions } from "./object-store.js";
import { assertValidKey } from "./object-store.js";

/** Folder (inside the root) holding temp files and per-object metadata; never listed. */
const INTERNAL_DIR = ".cobuy-store";

interface StoredMeta {
  contentType?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
}

/** Options of {@link LocalFolderStore}. */
export interface LocalFolderStoreOptions {
  /**
   * Create the root folder on first write, and read a missing root as an empty store (default
   * true). With false, a missing root fails with `COBUY_STORE_NOT_FOUND` (use it for read commands).
   */
  createRoot?: boolean;
  /** fsync files and folders before renaming (default true; tests may turn it off). */
  fsync?: boolean;
}

/**
 * An {@link ObjectStore} over a local folder that acts as the bucket. Writes go to a temp file
 * inside the root, are fsynced and then renamed into place, so readers never see a half-written
 * object. Content type, encoding and metadata live in `.cobuy-store/meta/<key>.json`.
 *
 * @example
 * ```ts
 * const store = new LocalFolderStore("./.cobuy/bucket");
 * await store.put("hello.json", "{}", { contentType: "application/json" });
 * ```
 */
export class LocalFolderStore implements ObjectStore {
  readonly root: string;
  readonly description: string;
  private readonly createRoot: boolean;
  private readonly doFsync: boolean;

  constructor(root: string, options: LocalFolderStoreOptions = {}) {
    this.root = path.resolve(root);
    this.description = pathToFileURL(this.root).href;
    this.createRoot = options.createRoot ?? true;
    this.doFsync = options.fsync ?? true;
  }

  private filePath(key: string): string {
    assertValidKey(key);
    const p = path.join(this.root, ...key.split("/"));
    if (key.split("/")[0] === INTERNAL_DIR) {
      throw new StoreRequestError("put", `keys under ${INTERNAL_DIR}/ are reserved`, {
        store: this.description,
        key,
      });
    }
    return p;
  }

  private metaPath(key: string): string {
    return `${path.join(this.root, INTERNAL_DIR, "meta", ...key.split("/"))}.json`;
  }

  /** False when the root folder is missing but will be created on first write (an empty store). */
  private async assertRoot(op: string, key?: string): Promise<boolean> {
    try {
      const st = await fs.stat(this.root);
      if (!st.isDirectory()) {
        throw new StoreRequestError(op, "store path is not a folder", {
          store: this.description,
          key,
        });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        if (this.createRoot) return false;
        throw new StoreNotFoundError({ store: this.description, key }, e);
      }
      throw e;
    }
    return true;
  }

  /** Writes to a temp file, then renames it over `target` — or, `exclusive`, links it (EEXIST when taken). */
  private async writeAtomically(
    target: string,
    body: PutBody,
    onProgress?: (n: number) => void,
    exclusive = false,
  ) {
    const tmpDir = path.join(this.root, INTERNAL_DIR, "tmp");
    await fs.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(8).toString("hex")}.part`);
    const handle = await fs.open(tmp, "wx");
    try {
      let loaded = 0;
      const source = typeof body === "string" || body instanceof Uint8Array ? Readable.from([body]) : body;
      for await (const c of source as AsyncIterable<Buffer | string>) {
        const buf = typeof c === "string" ? Buffer.from(c) : c;
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await handle.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
        loaded += buf.length;
        onProgress?.(loaded);
      }
      if (this.doFsync) await handle.sync();
      await handle.close();
      await fs.mkdir(path.dirname(target), { recursive: true });
      if (exclusive) {
        await fs.link(tmp, target);
        await fs.rm(tmp, { force: true });
      } else await fs.rename(tmp, target);
      if (this.doFsync) await fsyncDir(path.dirname(target));
    } catch (e) {
      await handle.close().catch(() => {});
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    await this.write(key, body, options, false);
  }

  async putIfAbsent(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<boolean> {
    try {
      await this.write(key, body, options, true);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
  }

  private async write(key: string, body: PutBody, options: PutOptions, exclusive: boolean): Promise<void> {
    const target = this.filePath(key);
    if (!this.createRoot) await this.assertRoot("put", key);
    else await fs.mkdir(this.root, { recursive: true });
    const meta: StoredMeta = {
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      ...(options.contentEncoding !== undefined ? { contentEncoding: options.contentEncoding } : {}),
      metadata: { ...(options.metadata ?? {}) },
    };
    await this.writeAtomically(target, body, options.onProgress, exclusive);
    await this.writeAtomically(this.metaPath(key), JSON.stringify(meta));
  }

  private async readMeta(key: string): Promise<StoredMeta> {
    try {
      return JSON.parse(await fs.readFile(this.metaPath(key), "utf8")) as StoredMeta;
    } catch {
      return { metadata: {} };
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const p = this.filePath(key);
    let st: Awaited<ReturnType<typeof fs.stat>>;
    try {
      st = await fs.stat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        await this.assertRoot("head", key);
        return undefined;
      }
      throw e;
    }
    if (!st.isFile()) return undefined;
    const meta = await this.readMeta(key);
    return { key, size: st.size, lastModified: st.mtime, ...meta };
  }

  async get(key: string): Promise<GetResult> {
    const info = await this.head(key);
    if (info === undefined) throw new ObjectNotFoundError({ store: this.description, key });
    const body = createReadStream(this.filePath(key));
    return { ...info, body };
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    if (!(await this.assertRoot("list"))) return;
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : "";
    const start = dirKey === "" ? this.root : path.join(this.root, ...dirKey.split("/"));
    const out: ListEntry[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw e;
      }
      for (const ent of entries) {
        const key = keyPrefix === "" ? ent.name : `${keyPrefix}/${ent.name}`;
        if (keyPrefix === "" && ent.name === INTERNAL_DIR) continue;
        if (ent.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
            await walk(path.join(dir, ent.name), key);
          }
        } else if (ent.isFile() && key.startsWith(prefix)) {
          const st = await fs.stat(path.join(dir, ent.name));
          out.push({ key, size: st.size, lastModified: st.mtime });
        }
      }
    };
    await walk(start, dirKey);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* out;
  }

  async delete(key: string): Promise<void> {
    const p = this.filePath(key);
    await fs.rm(p, { force: true });
    await fs.rm(this.metaPath(key), { force: true });
    // Remove now-empty parent folders so a pruned run leaves no empty directory behind.
    let dir = path.dirname(p);
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await fs.rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, "r");
    await h.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await h?.close().catch(() => {});
  }
}
