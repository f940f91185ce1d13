/**
 * How the embedded host (pglite-host.ts) gets its PGlite: an existing
 * database as it is; a new one from the cached template of a freshly
 * initialised database (embedded-template.ts says why and how it is kept),
 * made first when there is none; through PGlite's own initdb when the cache
 * is off, or when neither the cached template nor a fresh one would load.
 *
 * A template loads like PGlite's own initdb for a directory, which also
 * writes a tarball of initdb's files into it: so a database started from
 * one is an ordinary persistent database, and its files get the host's
 * modes (umask 077) as initdb's do.
 */
import { MemoryFS, PGlite } from '@electric-sql/pglite'
import { readdir, rm } from 'node:fs/promises'
import { PGLITE_OPTIONS, TemplateCache } from './embedded-template.js'

const MEMORY = 'memory://'

/**
 * `dataDir` is a directory or memory://; `cacheDir` the template cache,
 * undefined when it is off. `warn` hears why a cache was not trusted.
 */
export async function openPGlite (dataDir: string, cacheDir: string | undefined, warn: (message: string) => void): Promise<PGlite> {
  // without a usable cache a template would only be made to be thrown away
  const cache = cacheDir !== undefined && await isNew(dataDir) ? await TemplateCache.open(cacheDir, warn) : undefined
  if (cache !== undefined) {
    const cached = await cache.read()
    const db = cached === undefined ? undefined : await fromTemplate(dataDir, cached)
    if (db !== undefined) return db
    const fresh = await initialisedFiles().catch(() => undefined)
    if (fresh !== undefined) {
      await cache.write(fresh).catch(() => {})
      const db = await fromTemplate(dataDir, fresh)
      if (db !== undefined) return db
    }
  }
  return await PGlite.create({ ...PGLITE_OPTIONS, dataDir })
}

/**
 * No database there yet: memory://, or a directory that is missing or
 * empty (one holding anything else is left to PGlite as it is, so only an
 * empty one is removed again when a template fails to load into it).
 */
async function isNew (dataDir: string): Promise<boolean> {
  if (dataDir === MEMORY) return true
  try {
    return (await readdir(dataDir)).length === 0
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

/** A new database from a template's tarball; undefined, with nothing left behind, when PGlite cannot load it. */
async function fromTemplate (dataDir: string, tar: Uint8Array): Promise<PGlite | undefined> {
  try {
    return await PGlite.create({ ...PGLITE_OPTIONS, dataDir, loadDataDir: new Blob([tar]) })
  } catch {
    if (dataDir !== MEMORY) await rm(dataDir, { recursive: true, force: true })
    return undefined
  }
}

/**
 * A tarball of the files of a database PGlite initialised in memory and
 * then shut down cleanly (a shutdown checkpoint, no postmaster.pid), taken
 * as its file system closes: the last moment that still holds them. A
 * running database's files (dumpDataDir) would be crash-recovered on every
 * start made from them.
 */
async function initialisedFiles (): Promise<Uint8Array> {
  let tar: Blob | undefined
  class TemplateFS extends MemoryFS {
    override async closeFs (): Promise<void> {
      // uncompressed: gzip makes it 4.5 MB instead of 40 but adds ~0.3 s to every start from it
      tar = await this.dumpTar('pgdata', 'none')
      await super.closeFs()
    }
  }
  const db = await PGlite.create({ ...PGLITE_OPTIONS, fs: new TemplateFS() })
  await db.close()
  if (tar === undefined) throw new Error('PGlite closed without handing over its files')
  return new Uint8Array(await tar.arrayBuffer())
}
