/**
 * A new embedded database starts from a copy of a freshly initialised one
 * instead of running initdb (storage/pglite-open.ts): initdb in PGlite's WASM
 * engine costs about 3 s of wall time and 4 s of CPU on a 2-core machine,
 * loading the same files from a tarball about 0.5 s (PGlite 0.5.14; the test
 * suite starts ~95 embedded databases). The copy is made once per PGlite
 * version and kept in the user's cache directory, `$XDG_CACHE_HOME/pitwall`
 * or `~/.cache/pitwall`; PITWALL_EMBEDDED_TEMPLATE=off turns it off (every
 * new database runs initdb, as before).
 *
 * Whatever the file holds becomes the new database, so it is trusted only as
 * the user's own: a cache directory that another user owns or that group or
 * others may write is not used at all, and a file that another user owns or
 * that group or others may write is ignored and replaced, with a warning
 * either way. The file is written 0600 in a 0700 directory under a temporary
 * name renamed into place, so a process reading it (tests start several
 * databases at once) never sees half of one. Its first line names the PGlite
 * version and the options the host gives PGlite, and the SHA-256 and length
 * of the tarball after it; a file that does not match is rebuilt. A cache
 * that cannot be made, read or written never stops a start.
 *
 * This module loads no PGlite: the gateway's process reads the setting here,
 * only the host's process runs PGlite.
 */
import type { PGliteOptions } from '@electric-sql/pglite'
import { createHash, randomBytes } from 'node:crypto'
import { constants, readFileSync } from 'node:fs'
import { lstat, mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { PitwallError } from '../runtime/errors.js'

export const TEMPLATE_SETTING = 'PITWALL_EMBEDDED_TEMPLATE'

/**
 * Every option the host gives PGlite besides where its files are: part of
 * the template's key, as anything that may change what initdb writes.
 */
export const PGLITE_OPTIONS: Omit<PGliteOptions, 'dataDir' | 'loadDataDir' | 'fs'> = {}

const MAGIC = 'pitwall-embedded-template'
// a header line is short; a longer first "line" means the file is not ours
const MAX_HEADER = 512

type Warn = (message: string) => void

/**
 * The template cache directory, or undefined when PITWALL_EMBEDDED_TEMPLATE
 * is off or there is no home directory to keep it in.
 */
export function templateCacheDir (env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env[TEMPLATE_SETTING] ?? ''
  if (setting === 'off') return undefined
  if (setting !== '' && setting !== 'on') {
    throw new PitwallError('PITWALL_ERR_CONFIG', `invalid configuration: ${TEMPLATE_SETTING} must be on or off, not ${JSON.stringify(setting)}`)
  }
  // XDG Base Directory: a relative XDG_CACHE_HOME is invalid and ignored
  const xdg = env.XDG_CACHE_HOME
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'pitwall')
  const home = homedir()
  return isAbsolute(home) ? join(home, '.cache', 'pitwall') : undefined
}

/** The template's file name and key: PGlite's exact version and the options it is created with. */
function templateKey (): { name: string, line: string } {
  // the package's exports map hides package.json; its main entry sits in dist/
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name?: unknown, version?: unknown }
  // no version, no key: TemplateCache.open then keeps no template
  if (pkg.name !== '@electric-sql/pglite' || typeof pkg.version !== 'string') throw new Error('PGlite\'s version is unknown')
  const version = pkg.version
  const options = createHash('sha256').update(JSON.stringify(PGLITE_OPTIONS)).digest('hex').slice(0, 16)
  return {
    name: `pglite-${version.replace(/[^0-9A-Za-z.+-]/g, '_')}-${options}.template`,
    line: `pglite=${version.replace(/\s/g, '_')} options=${options}`
  }
}

/** Group or others may write it, or another user owns it. */
function foreignOrLoose (info: { uid: number, mode: number }): boolean {
  const uid = process.getuid?.()
  return (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0')

/** The template of this PGlite version in one cache directory. */
export class TemplateCache {
  private constructor (
    /** the template file */
    readonly path: string,
    private readonly key: string,
    private readonly warn: Warn
  ) {}

  /**
   * The cache in `dir`, made if missing; undefined when it cannot be made,
   * or is not a directory only this user may write.
   */
  static async open (dir: string, warn: Warn): Promise<TemplateCache | undefined> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const info = await lstat(dir)
      if (info.isDirectory() && !foreignOrLoose(info)) {
        const key = templateKey()
        return new TemplateCache(join(dir, key.name), key.line, warn)
      }
      warn(`${dir}: not a directory that only this user may write (mode ${octal(info.mode)}, uid ${info.uid}), so no embedded database template is kept there; new databases run initdb`)
    } catch {
      // a read-only or missing home, or no PGlite version to key on: initdb, as without a cache
    }
    return undefined
  }

  /** The cached tarball; undefined when there is none, or it is not this user's alone, or not whole. */
  async read (): Promise<Uint8Array | undefined> {
    let handle
    try {
      // O_NOFOLLOW, then the checks on the opened file itself: what is read is what was checked
      handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW)
    } catch {
      return undefined
    }
    try {
      const info = await handle.stat()
      if (!info.isFile()) return undefined
      if (foreignOrLoose(info)) {
        this.warn(`${this.path}: belongs to uid ${info.uid} or others may write it (mode ${octal(info.mode)}), so it is not used; a fresh template replaces it`)
        return undefined
      }
      return this.parse(await handle.readFile())
    } catch {
      return undefined
    } finally {
      await handle.close()
    }
  }

  private parse (bytes: Buffer): Uint8Array | undefined {
    const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a)
    if (end === -1) return undefined
    const [magic, pglite, options, sha256, length] = bytes.toString('latin1', 0, end).split(' ')
    if (magic !== MAGIC || `${pglite ?? ''} ${options ?? ''}` !== this.key) return undefined
    const tar = bytes.subarray(end + 1)
    if (String(tar.length) !== length || sha256Of(tar) !== sha256) return undefined
    return tar
  }

  /**
   * Stores `tar` as the template, atomically: a process reading at the same
   * time finds the old file or the new one, whole. Not synced to disk: a file
   * a crash cut short fails its digest and is rebuilt.
   */
  async write (tar: Uint8Array): Promise<void> {
    const header = Buffer.from(`${MAGIC} ${this.key} ${sha256Of(tar)} ${tar.length}\n`, 'latin1')
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      // 'wx' (O_EXCL): never writes through a file or symbolic link left at that name
      await writeFile(temp, [header, tar], { flag: 'wx', mode: 0o600 })
      await rename(temp, this.path)
    } catch (err) {
      await rm(temp, { force: true })
      throw err
    }
  }
}

function sha256Of (data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
