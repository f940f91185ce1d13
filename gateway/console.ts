/**
 * Serves the console (web/, built into dist/web by `npm run build`) at `/`:
 * the page, its hashed bundle under /assets/, the icon. Nothing comes from
 * elsewhere at run time except map tiles, from the configured template.
 *
 * Every answer here carries a strict Content-Security-Policy: scripts,
 * styles, fetches and the event streams from this server only; images also
 * from the tile host; no frames, no plugins, no <base>. The page can run no
 * script it did not load from here, so an injected string stays text even
 * past Preact's escaping.
 *
 * The tile template reaches the page in a <meta> element written when the
 * page is served: no request before the map, and the page holds no setting
 * the policy does not already name.
 */
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ConsoleOptions {
  /** Leaflet's URL template of the map tiles (PITWALL_CONSOLE_TILE_URL) */
  tileUrl: string
  /** the built console; absent: found beside the gateway's code (consoleDir) */
  dir?: string
}

/**
 * Where the built console is: dist/web, seen from gateway/console.ts run by
 * tsx (../dist/web) or from dist/gateway/console.js (../web). The source
 * folder web/ is never it: only a build has assets/console.js.
 */
export function consoleDir (): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const candidates = [join(root, 'web'), join(root, 'dist', 'web')]
  return candidates.find((dir) => existsSync(join(dir, 'assets', 'console.js'))) ?? join(root, 'dist', 'web')
}

/** The Content-Security-Policy source of the tile template's host: "https://*.tile.example" for a leading {s}. */
export function tileSource (tileUrl: string): string {
  const origin = /^(https?:\/\/[^/]+)/.exec(tileUrl)?.[1] ?? ''
  return origin.replace('{s}', '*')
}

export function contentSecurityPolicy (tileUrl: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${tileSource(tileUrl)}`,
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join('; ')
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pitwall: console not built</title></head>
<body><h1>The Pitwall console is not built</h1>
<p>This gateway found no console to serve. Run <code>npm run build</code> (or <code>npm run build:web</code>) and restart the gateway.</p>
<p>The API at <code>/api/v1</code> works without it.</p></body></html>
`

export function registerConsole (app: FastifyInstance, options: ConsoleOptions): void {
  const dir = options.dir ?? consoleDir()
  const policy = contentSecurityPolicy(options.tileUrl)
  const meta = `<meta name="pitwall-tile-url" content="${escapeHtml(options.tileUrl)}">\n</head>`
  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', policy)
      reply.header('x-frame-options', 'DENY')
      reply.header('cross-origin-opener-policy', 'same-origin')
      reply.header('cross-origin-resource-policy', 'same-origin')
      reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()')
      // the API's no-referrer would make a browser send "Origin: null" on the
      // console's own POSTs (Fetch: serializing a request origin), which the
      // cookie's origin check refuses; tile hosts see this origin only
      reply.header('referrer-policy', 'strict-origin-when-cross-origin')
    })
    const page = async (reply: FastifyReply): Promise<FastifyReply> => {
      let html: string
      try {
        // read per request: a rebuild is served without a restart, and it is a few hundred bytes
        html = await readFile(join(dir, 'index.html'), 'utf8')
      } catch {
        return await reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
      }
      return await reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html.replace('</head>', meta))
    }
    scope.get('/', async (_request, reply) => await page(reply))
    scope.get('/index.html', async (_request, reply) => await page(reply))
    scope.get('/favicon.svg', async (_request, reply) => {
      const icon = await readFile(join(dir, 'favicon.svg')).catch(() => undefined)
      if (icon === undefined) return await reply.code(404).send()
      return await reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon)
    })
    if (existsSync(join(dir, 'assets'))) {
      await scope.register(fastifyStatic, {
        root: join(dir, 'assets'),
        prefix: '/assets/',
        index: false,
        // the page names the bundle with its content hash (?v=), Leaflet's images carry it in their names
        setHeaders: (reply, path) => { reply.header('cache-control', path.endsWith('.map') ? 'no-cache' : 'public, max-age=31536000, immutable') }
      })
    }
  })
}
