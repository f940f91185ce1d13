/**
 * The console's serving (injected requests on a fastify of the test's own):
 * the built page with the tile template in a <meta> and a strict
 * Content-Security-Policy naming the tile host; hashed assets cached for
 * good; a clear 503 page when the console was not built.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { contentSecurityPolicy, registerConsole, tileSource } from '../../gateway/console.js'

async function serve (t: Test, dir: string, tileUrl = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'): Promise<FastifyInstance> {
  const app = Fastify()
  registerConsole(app, { tileUrl, dir })
  await app.ready()
  t.teardown(async () => { await app.close() })
  return app
}

function builtConsole (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-console-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>Pitwall</title></head><body><script type="module" src="assets/console.js?v=abc"></script></body></html>')
  writeFileSync(join(dir, 'assets', 'console.js'), 'console.log(1)')
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  return dir
}

t.test('the page carries the tile template and a policy that allows only this server and the tile host', async (t) => {
  const app = await serve(t, builtConsole(t), 'https://{s}.tiles.example.com/{z}/{x}/{y}.png?a=1&b=2')
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.body, '<meta name="pitwall-tile-url" content="https://{s}.tiles.example.com/{z}/{x}/{y}.png?a=1&amp;b=2">', 'escaped into the page')
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, "default-src 'none'")
  t.match(csp, "script-src 'self';")
  t.match(csp, "style-src 'self';")
  t.match(csp, "img-src 'self' data: https://*.tiles.example.com;")
  t.match(csp, "connect-src 'self';")
  t.match(csp, "frame-ancestors 'none'")
  t.notMatch(csp, /unsafe/, 'no unsafe-inline or unsafe-eval')
  t.equal(res.headers['x-frame-options'], 'DENY')
  t.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin')
  t.equal(res.headers['cache-control'], 'no-cache')
  t.equal((await app.inject('/index.html')).body, res.body)
})

t.test('assets are served with long caching; a missing one is 404', async (t) => {
  const app = await serve(t, builtConsole(t))
  const js = await app.inject('/assets/console.js?v=abc')
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /javascript/)
  t.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.match(String(js.headers['content-security-policy']), "default-src 'none'")
  t.equal((await app.inject('/assets/nope.js')).statusCode, 404)
  t.equal((await app.inject('/assets/../index.html')).statusCode, 200, 'normalised to /index.html, never outside the folder')
  t.equal((await app.inject('/favicon.svg')).statusCode, 200)
})

t.test('a console that was not built answers 503 saying how to build it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-console-empty-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const app = await serve(t, dir)
  const res = await app.inject('/')
  t.equal(res.statusCode, 503)
  t.match(res.body, 'Run <code>npm run build</code>')
  t.equal((await app.inject('/assets/console.js')).statusCode, 404)
})

t.test('the tile host becomes a policy source: a leading {s} is a wildcard label', async (t) => {
  t.equal(tileSource('https://tile.openstreetmap.org/{z}/{x}/{y}.png'), 'https://tile.openstreetmap.org')
  t.equal(tileSource('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png'), 'https://*.tile.openstreetmap.org')
  t.equal(tileSource('http://127.0.0.1:9/{z}/{x}/{y}.png'), 'http://127.0.0.1:9')
  t.match(contentSecurityPolicy('http://127.0.0.1:9/{z}/{x}/{y}.png'), "img-src 'self' data: http://127.0.0.1:9;")
})
