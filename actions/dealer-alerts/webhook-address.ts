/**
 * Where a dealer's webhook may point: the guard against turning Pitwall
 * into a way to reach its own network (SSRF). By default a webhook is https
 * to a host whose every address is public. Loopback, private, link-local,
 * carrier-grade NAT, unspecified, multicast, broadcast and reserved ranges
 * (and the IPv4-mapped and NAT64 forms of the IPv4 ones) are refused, as are
 * the cloud metadata services by address and by name. The operator's allow
 * list (WEBHOOK_ALLOW_SETTING) names the exceptions, for dealer systems on
 * premises: a host name listed may be plain http and resolve to any
 * non-metadata address; an address or CIDR listed may be reached, and a URL
 * naming such an address literally may be plain http. A metadata address is
 * reached only when listed by itself, never through a wider range.
 *
 * The rule is applied twice: when a URL is set (check(): the URL, and the
 * addresses its host resolves to now) and on every connection (lookup: the
 * resolver the delivery's socket connects through), so a name that resolves
 * elsewhere by the time of delivery (DNS rebinding) is refused before any
 * connection is made, and the socket connects to the address that was
 * checked, not to a second answer.
 *
 * WHATWG URL parsing already turns odd IPv4 spellings into dotted quads
 * (2130706433, 0177.0.0.1, 0x7f.1 and 127.1 are all 127.0.0.1) and IPv6
 * into its short form, so the literal checks see the canonical address.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { PitwallError } from '../../runtime/errors.js'

/** The environment variable of the allow list (gateway/config.ts `webhookAllow`), named in refusals. */
export const WEBHOOK_ALLOW_SETTING = 'PITWALL_WEBHOOK_ALLOW'

/** A webhook URL, or an address its host resolved to, that the rule refuses. */
export class WebhookAddressError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_WEBHOOK_ADDRESS', message)
  }
}

export interface ResolvedAddress { address: string, family: number }
/** A host name to its addresses (default: the system resolver, as a socket would use it). */
export type Resolve = (host: string) => Promise<ResolvedAddress[]>

type Family = 'ipv4' | 'ipv6'

/** How a refusal names the address: "a loopback address", "an unspecified address". */
interface SpecialRange { what: string, net: string, prefix: number, family: Family }

const METADATA = 'a cloud metadata'
const METADATA_ADDRESSES: ReadonlyArray<[string, Family]> = [
  ['169.254.169.254', 'ipv4'], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  ['169.254.170.2', 'ipv4'], // AWS ECS task metadata
  ['100.100.100.200', 'ipv4'], // Alibaba Cloud
  ['fd00:ec2::254', 'ipv6'] // AWS over IPv6
]
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal'])

// RFC 6890 special-purpose registries; the first match names the address
const IPV4: ReadonlyArray<[string, string]> = [
  ['an unspecified', '0.0.0.0/8'],
  ['a private', '10.0.0.0/8'],
  ['a carrier-grade NAT', '100.64.0.0/10'],
  ['a loopback', '127.0.0.0/8'],
  ['a link-local', '169.254.0.0/16'],
  ['a private', '172.16.0.0/12'],
  ['a reserved', '192.0.0.0/24'],
  ['a reserved', '192.0.2.0/24'],
  ['a private', '192.168.0.0/16'],
  ['a reserved', '198.18.0.0/15'],
  ['a reserved', '198.51.100.0/24'],
  ['a reserved', '203.0.113.0/24'],
  ['a multicast', '224.0.0.0/4'],
  ['a broadcast', '255.255.255.255/32'],
  ['a reserved', '240.0.0.0/4']
]
const IPV6: ReadonlyArray<[string, string]> = [
  ['an unspecified', '::/128'],
  ['a loopback', '::1/128'],
  ['a reserved', '::/96'], // IPv4-compatible, deprecated (RFC 4291 2.5.5.1)
  ['a reserved', '64:ff9b:1::/48'], // NAT64 for local use (RFC 8215)
  ['a reserved', '100::/64'],
  ['a reserved', '2001:db8::/32'],
  ['a private', 'fc00::/7'],
  ['a link-local', 'fe80::/10'],
  ['a private', 'fec0::/10'], // site-local, deprecated
  ['a multicast', 'ff00::/8']
]

function range (what: string, cidr: string, family: Family): SpecialRange {
  const [net, prefix] = cidr.split('/') as [string, string]
  return { what, net, prefix: Number(prefix), family }
}

/**
 * An IPv4 range as the NAT64 well-known prefix (64:ff9b::/96, RFC 6052)
 * carries it: a DNS64 resolver answers 64:ff9b::7f00:1 for 127.0.0.1. The
 * IPv4-mapped form (::ffff:7f00:1) needs nothing of its own: a BlockList
 * matches it against IPv4 rules.
 */
function nat64 (r: SpecialRange): SpecialRange {
  const [a, b, c, d] = r.net.split('.').map(Number) as [number, number, number, number]
  const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16)
  return { what: r.what, net: `64:ff9b::${hex(a, b)}:${hex(c, d)}`, prefix: 96 + r.prefix, family: 'ipv6' }
}

const RANGES = [
  ...METADATA_ADDRESSES.map(([a, f]) => range(METADATA, `${a}/${f === 'ipv4' ? 32 : 128}`, f)),
  ...IPV4.map(([what, cidr]) => range(what, cidr, 'ipv4')),
  ...IPV6.map(([what, cidr]) => range(what, cidr, 'ipv6'))
].flatMap((r) => r.family === 'ipv4' ? [r, nat64(r)] : [r])
/** every special range at once: a public address is passed with one check (each check costs microseconds) */
const ANY_SPECIAL = new BlockList()
for (const r of RANGES) ANY_SPECIAL.addSubnet(r.net, r.prefix, r.family)
/** one list per range, in order: the first that matches names the address */
const SPECIAL: ReadonlyArray<{ what: string, list: BlockList }> = RANGES.map((r) => {
  const list = new BlockList()
  list.addSubnet(r.net, r.prefix, r.family)
  return { what: r.what, list }
})

function familyOf (address: string): Family {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4'
}

/** The URL's host as addresses and names are compared: no IPv6 brackets, no trailing root dot. */
function hostOf (url: URL): string {
  const h = url.hostname
  return h.startsWith('[') ? h.slice(1, -1) : h.replace(/\.$/, '')
}

export interface WebhookAddressOptions {
  /** the allow list: comma-separated host names, addresses and CIDRs; empty: no exceptions */
  allow?: string
  /** default: the system resolver (getaddrinfo), every address */
  resolve?: Resolve
  /** how long check() waits for the resolver when a URL is set; default 5 s */
  checkTimeoutMs?: number
}

export class WebhookAddressRule {
  private readonly names = new Set<string>()
  /** listed addresses and ranges */
  private readonly ranges = new BlockList()
  /** listed single addresses: the only way to a metadata address */
  private readonly exact = new BlockList()
  private readonly resolve: Resolve
  private readonly checkTimeoutMs: number

  /** Throws PITWALL_ERR_CONFIG naming an allow-list entry that is not a host name, an address or a CIDR. */
  constructor (options: WebhookAddressOptions = {}) {
    for (const raw of (options.allow ?? '').split(',')) {
      const entry = raw.trim().toLowerCase()
      if (entry !== '' && !this.allowEntry(entry)) {
        throw new PitwallError('PITWALL_ERR_CONFIG', `${WEBHOOK_ALLOW_SETTING}: "${raw.trim()}" is not a host name, an IP address or a CIDR range (like 10.20.0.0/16)`)
      }
    }
    this.resolve = options.resolve ?? (async (host) => await dnsLookup(host, { all: true, verbatim: true }))
    this.checkTimeoutMs = options.checkTimeoutMs ?? 5000
  }

  private allowEntry (entry: string): boolean {
    const slash = entry.indexOf('/')
    if (slash >= 0) {
      const net = entry.slice(0, slash)
      const prefix = entry.slice(slash + 1)
      const family = isIP(net)
      if (family === 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return false
      this.ranges.addSubnet(net, Number(prefix), familyOf(net))
      return true
    }
    const bare = entry.replace(/^\[(.*)\]$/, '$1')
    if (isIP(bare) !== 0) {
      this.ranges.addAddress(bare, familyOf(bare))
      this.exact.addAddress(bare, familyOf(bare))
      return true
    }
    // a port, a path or credentials are not part of what is allowed
    if (/[:/@?#]/.test(entry)) return false
    let url: URL
    try { url = new URL(`http://${entry}/`) } catch { return false }
    const host = hostOf(url)
    // the URL parser turns 127.1 into 127.0.0.1: listed as the address it is
    if (isIP(host) !== 0) return this.allowEntry(host)
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) return false
    this.names.add(host)
    return true
  }

  /**
   * Why `address` may not be reached (as reached through `host`, a listed
   * name allowing all but metadata), or null when it may.
   */
  addressRefusal (address: string, host?: string): string | null {
    const family = familyOf(address)
    if (!ANY_SPECIAL.check(address, family)) return null
    const special = SPECIAL.find((s) => s.list.check(address, family))
    if (special === undefined) return null
    if (special.what === METADATA) {
      if (this.exact.check(address, family)) return null
    } else if ((host !== undefined && this.names.has(host)) || this.ranges.check(address, family)) {
      return null
    }
    const how = special.what === METADATA ? `list ${address} itself in ${WEBHOOK_ALLOW_SETTING}` : `list the host or a range holding ${address} in ${WEBHOOK_ALLOW_SETTING}`
    return `${host === undefined || host === address ? `${address} is` : `${host} resolves to`} ${special.what} address${host === undefined || host === address ? '' : ` ${address}`} (${how} to allow it)`
  }

  /** Why the URL itself (scheme, literal address, host name) is refused, or null; its name's addresses are lookup's to check. */
  urlRefusal (url: URL): string | null {
    const host = hostOf(url)
    const literal = isIP(host) !== 0
    if (url.protocol !== 'https:') {
      const listed = literal ? this.ranges.check(host, familyOf(host)) : this.names.has(host)
      if (!listed) return `http is allowed only for hosts in ${WEBHOOK_ALLOW_SETTING} (use https)`
    }
    if (literal) return this.addressRefusal(host)
    if (this.names.has(host)) return null
    if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name (list it in ${WEBHOOK_ALLOW_SETTING} to allow it)`
    if (METADATA_NAMES.has(host)) return `${host} is a cloud metadata service name (list it in ${WEBHOOK_ALLOW_SETTING} to allow it)`
    return null
  }

  /**
   * Checks a webhook URL as it is set: the URL, and every address its host
   * resolves to now. A name that does not resolve (yet) passes: a dealer may
   * register before its DNS is live, and every delivery checks again.
   * Throws PITWALL_ERR_WEBHOOK_ADDRESS naming `what` (e.g. "dealer nord"),
   * the URL and the reason.
   */
  async check (webhookUrl: string, what: string): Promise<void> {
    const url = new URL(webhookUrl)
    const refuse = (reason: string): WebhookAddressError =>
      new WebhookAddressError(`${what}: webhook URL ${JSON.stringify(webhookUrl)} is refused: ${reason}`)
    const refusal = this.urlRefusal(url)
    if (refusal !== null) throw refuse(refusal)
    const host = hostOf(url)
    if (isIP(host) !== 0) return
    let timer: NodeJS.Timeout | undefined
    const addresses = await Promise.race([
      this.resolve(host).catch(() => []),
      new Promise<ResolvedAddress[]>((resolve) => { timer = setTimeout(() => { resolve([]) }, this.checkTimeoutMs) })
    ]).finally(() => { clearTimeout(timer) })
    for (const a of addresses) {
      const why = this.addressRefusal(a.address, host)
      if (why !== null) throw refuse(why)
    }
  }

  /**
   * The resolver a webhook's socket connects through (net.connect's
   * `lookup`): it resolves the name, refuses it with a WebhookAddressError
   * if any of its addresses is refused, and hands the socket exactly the
   * addresses it checked. A literal address in the URL never reaches a
   * lookup (net connects to it directly): urlRefusal checks it first.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.checkedAddresses(hostname.replace(/\.$/, '').toLowerCase(), options.family).then((found) => {
      if (options.all === true) callback(null, found)
      else callback(null, (found[0] as ResolvedAddress).address, (found[0] as ResolvedAddress).family)
    }, (err: NodeJS.ErrnoException) => { callback(err, '', 0) })
  }

  private async checkedAddresses (host: string, family: unknown): Promise<ResolvedAddress[]> {
    const found = await this.resolve(host)
    const wanted = family === 4 || family === 6 ? found.filter((a) => a.family === family) : found
    if (wanted.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host })
    for (const a of wanted) {
      const why = this.addressRefusal(a.address, host)
      if (why !== null) throw new WebhookAddressError(why)
    }
    return wanted
  }
}
