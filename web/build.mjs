/**
 * Builds the console into dist/web: one bundled script and stylesheet
 * (esbuild, from node_modules only: no network, no CDN at run time), the
 * page, and Leaflet's marker images. Run by `npm run build`.
 */
import { build } from 'esbuild'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = `${root}dist/web/`
mkdirSync(`${out}assets`, { recursive: true })

const result = await build({
  entryPoints: [`${root}web/src/main.tsx`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: `${out}assets`,
  entryNames: 'console',
  // Leaflet's stylesheet names its images; they ship beside the bundle
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning'
})

// The page names its assets with a content hash, so a browser never runs a
// stale bundle against a newer gateway.
const hashOf = (file) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12)
const page = readFileSync(`${root}web/index.html`, 'utf8')
  .replaceAll('{{js}}', `assets/console.js?v=${hashOf(`${out}assets/console.js`)}`)
  .replaceAll('{{css}}', `assets/console.css?v=${hashOf(`${out}assets/console.css`)}`)
writeFileSync(`${out}index.html`, page)
cpSync(`${root}web/favicon.svg`, `${out}favicon.svg`)
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0)
console.log(`console built: ${(bytes / 1024).toFixed(0)} KiB in dist/web`)
