/**
 * The folder boundaries of docs/ARCHITECTURE.md, checked on every import
 * (static and dynamic): data flows gateway → decoders → rules →
 * actions/storage, runtime/ and proto/ are below everything, and sim/ is a
 * client of the gateway that production code never imports.
 */
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** folder → the folders its code may import (itself always) */
const MAY_IMPORT: Record<string, readonly string[]> = {
  runtime: [],
  proto: ['runtime'],
  decoders: ['proto', 'runtime'],
  rules: ['decoders', 'proto', 'runtime'],
  // storage enforces what the domain decided: it may read actions' models (types, states), nothing else of actions
  storage: ['decoders', 'rules', 'proto', 'runtime', 'actions/model'],
  actions: ['storage', 'rules', 'decoders', 'proto', 'runtime'],
  gateway: ['actions', 'storage', 'rules', 'decoders', 'proto', 'runtime'],
  sim: ['gateway', 'actions', 'storage', 'rules', 'decoders', 'proto', 'runtime']
}

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'gen' ? [] : sourceFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

const IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g

interface Edge { file: string, target: string, from: string, to: string }

const edges: Edge[] = Object.keys(MAY_IMPORT).flatMap((folder) => sourceFiles(join(ROOT, folder)).flatMap((path) => {
  const text = readFileSync(path, 'utf8')
  return [...text.matchAll(IMPORT)].map(([, spec]) => {
    const target = relative(ROOT, resolve(dirname(path), spec as string))
    return { file: relative(ROOT, path), target, from: folder, to: target.split('/')[0] as string }
  })
}))

t.test('each folder imports only the folders below it', async (t) => {
  t.ok(edges.length > 300, `read the imports (${edges.length})`)
  const wrong = edges.filter((e) => {
    if (e.to === e.from) return false
    const allowed = MAY_IMPORT[e.from] as readonly string[]
    if (allowed.includes(e.to)) return false
    return !(e.to === 'actions' && allowed.includes('actions/model') && /\/model\.(js|ts)$/.test(e.target))
  }).map((e) => `${e.file} → ${e.target}`)
  t.same(wrong, [], 'imports that cross a boundary')
})

t.test('a domain model imports nothing from storage', async (t) => {
  const wrong = edges.filter((e) => e.from === 'actions' && /\/model\.ts$/.test(e.file) && e.to === 'storage').map((e) => `${e.file} → ${e.target}`)
  t.same(wrong, [])
})

t.test('production code reaches the database through stores, never the pool', async (t) => {
  const users = Object.keys(MAY_IMPORT).flatMap((folder) => sourceFiles(join(ROOT, folder)))
    .filter((path) => /\bpoolOf\b/.test(readFileSync(path, 'utf8')) && !path.endsWith(join('storage', 'index.ts')))
    .map((path) => relative(ROOT, path))
  t.same(users, [], 'poolOf is for tests and the bench')
})
