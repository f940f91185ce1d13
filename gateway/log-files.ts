/**
 * The bytes of vehicle logs: one file per log, `<id>.ulg` or `<id>.log`
 * (candump), in DATA_DIR/logs, where the embedded database keeps its own
 * files (a gateway on memory:// storage gets a temporary directory for this
 * run, removed when it stops). The directory is 0700 and every file 0600,
 * made by the gateway's user: logs carry a vehicle's whole bus traffic.
 *
 * Chunks are written where they belong (positioned writes), so an upload
 * resumes where the bytes on disk end; nothing is ever read whole: the
 * digest and the decoders read in windows.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, mkdir, mkdtemp, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LogKind } from '../actions/logs/model.js'
import { PitwallError } from '../runtime/errors.js'

const NAME = /^(\d{1,15})\.(ulg|log)$/

export interface StoredLogFile {
  id: number
  kind: LogKind
  /** last written, Unix ms */
  mtimeMs: number
}

export class LogFiles {
  private constructor (readonly dir: string, private readonly ephemeral: boolean) {}

  /** DATA_DIR/logs, made 0700 if absent; a temporary directory for memory:// */
  static async open (dataDir: string): Promise<LogFiles> {
    const ephemeral = dataDir.startsWith('memory://')
    const dir = ephemeral ? await mkdtemp(join(tmpdir(), 'pitwall-logs-')) : join(dataDir, 'logs')
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await chmod(dir, 0o700)
    return new LogFiles(dir, ephemeral)
  }

  path (id: number, kind: LogKind): string {
    return join(this.dir, `${id}.${kind === 'ulog' ? 'ulg' : 'log'}`)
  }

  /** For writing from `start`: a new (0600) file at 0, the existing one past it (a resumed upload overwrites what follows). */
  async openAt (id: number, kind: LogKind, start: number): Promise<FileHandle> {
    const path = this.path(id, kind)
    if (start > 0) {
      try {
        return await open(path, 'r+')
      } catch (err) {
        // the bytes before `start` are gone (deleted by hand, another node's disk): not resumable here
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PitwallError('PITWALL_ERR_LOG_UNAVAILABLE', `log ${id}'s first ${start} bytes are not in this gateway's data directory: resume the upload where it began`)
        throw err
      }
    }
    const handle = await open(path, 'w', 0o600)
    await handle.chmod(0o600)
    return handle
  }

  async truncate (id: number, kind: LogKind, length: number): Promise<void> {
    const handle = await open(this.path(id, kind), 'r+')
    try {
      await handle.truncate(length)
    } finally {
      await handle.close()
    }
  }

  /** The SHA-256 (hex) of the first `length` bytes, read in windows. */
  async sha256 (id: number, kind: LogKind, length: number): Promise<string> {
    const hash = createHash('sha256')
    if (length > 0) {
      for await (const chunk of createReadStream(this.path(id, kind), { start: 0, end: length - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
    }
    return hash.digest('hex')
  }

  async exists (id: number, kind: LogKind): Promise<boolean> {
    return await stat(this.path(id, kind)).then((s) => s.isFile(), () => false)
  }

  async remove (id: number, kind: LogKind): Promise<void> {
    await rm(this.path(id, kind), { force: true })
  }

  /** Every log file here, for the sweep of files whose row is gone. */
  async list (): Promise<StoredLogFile[]> {
    const names = await readdir(this.dir)
    const files: StoredLogFile[] = []
    for (const name of names) {
      const m = NAME.exec(name)
      if (m === null) continue
      const info = await stat(join(this.dir, name)).catch(() => undefined)
      if (info === undefined) continue
      files.push({ id: Number(m[1]), kind: m[2] === 'ulg' ? 'ulog' : 'candump', mtimeMs: info.mtimeMs })
    }
    return files
  }

  /** Removes a run-only directory. */
  async close (): Promise<void> {
    if (this.ephemeral) await rm(this.dir, { recursive: true, force: true })
  }
}
