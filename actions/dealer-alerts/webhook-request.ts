/**
 * One webhook POST, connecting only where the address rule allows
 * (./webhook-address.ts): the URL is checked before anything is sent, and
 * the socket resolves its host through the rule's lookup, so it connects to
 * the very addresses that were checked. node:http(s) rather than fetch:
 * Node 20's global fetch takes no resolver of its own without adding the
 * undici package, and node:http's `lookup` is exactly that hook. Redirects
 * are not followed (node:http never does): the caller reports them.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { WebhookAddressError, type WebhookAddressRule } from './webhook-address.js'

export interface WebhookPost {
  headers: Record<string, string>
  body: string
  /** ends the request, the wait for the answer included; rejects with its reason */
  signal: AbortSignal
}

/** What delivery needs of the answer: never its body. */
export interface WebhookAnswer {
  status: number
  location: string | null
}

export type WebhookSend = (url: URL, post: WebhookPost) => Promise<WebhookAnswer>

export class WebhookClient {
  // agents of its own, resolving through the rule: no pooled socket opened without the check is reused for a webhook
  private readonly http: HttpAgent
  private readonly https: HttpsAgent

  constructor (private readonly rule: WebhookAddressRule) {
    this.http = new HttpAgent({ keepAlive: true, lookup: rule.lookup })
    this.https = new HttpsAgent({ keepAlive: true, lookup: rule.lookup })
  }

  /** POSTs `post` to `url`; rejects with a WebhookAddressError when the rule refuses the URL or an address its host resolves to. */
  readonly send: WebhookSend = async (url, post) => {
    const refusal = this.rule.urlRefusal(url)
    if (refusal !== null) throw new WebhookAddressError(refusal)
    const secure = url.protocol === 'https:'
    return await new Promise<WebhookAnswer>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: { ...post.headers, 'Content-Length': String(Buffer.byteLength(post.body)) },
        agent: secure ? this.https : this.http,
        signal: post.signal
      })
      req.once('response', (res: IncomingMessage) => {
        // the answer's body is never read: the connection goes with it
        res.destroy()
        const location = res.headers.location
        resolve({ status: res.statusCode ?? 0, location: location ?? null })
      })
      // on, not once: an abort after an earlier error emits again, and an unheard 'error' would end the process
      req.on('error', (err) => { reject(post.signal.aborted ? post.signal.reason : err) })
      req.end(post.body)
    })
  }

  close (): void {
    this.http.destroy()
    this.https.destroy()
  }
}
