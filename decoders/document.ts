/**
 * The files engineers write for Pitwall (rules, case packs, decoder
 * manifests): read as text, then JSON for a .json file and YAML otherwise.
 * Each kind of file keeps its own error class; `fail` makes it, from a
 * message that names the file.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'

export type DocumentError = (message: string) => Error

/** The file's text; an unreadable file is `fail("<path>: cannot read: ...")`. */
export function readDocument (path: string, fail: DocumentError): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw fail(`${path}: cannot read: ${(err as Error).message}`)
  }
}

/** The text's data; a syntax error is `fail("<fileName>: not valid YAML: ...")`. */
export function parseDocument (text: string, fileName: string, fail: DocumentError): unknown {
  const json = fileName.endsWith('.json')
  try {
    return json ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw fail(`${fileName}: not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`)
  }
}
