/**
 * Where a dealer's webhook may point (SSRF): https to public addresses by
 * default; every non-public class refused by literal, odd spelling, IPv4-
 * mapped and NAT64 form, by name, and by what a name resolves to; the
 * operator's allow list opens plain http and non-public addresses for the
 * hosts and ranges it names, and a metadata address only when listed itself.
 */
import t from 'tap'
import { WebhookAddressRule, type ResolvedAddress } from '../../../actions/dealer-alerts/webhook-address.js'

/** A resolver that knows only `names` (everything else does not resolve), as a test's own DNS. */
function dns (names: Record<string, string[]>): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    const found = names[host]
    if (found === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
}

const refused = (url: string, reason: string): RegExp =>
  new RegExp(`^dealer nord: webhook URL ${JSON.stringify(url).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is refused: ${reason}`)

t.test('every non-public class is refused when the URL is set, naming the URL and why', async (t) => {
  const rule = new WebhookAddressRule({ resolve: dns({}) })
  const cases: Array<[string, string]> = [
    ['https://127.0.0.1/in', '127\\.0\\.0\\.1 is a loopback address'],
    ['https://[::1]/in', '::1 is a loopback address'],
    ['https://169.254.10.1/in', '169\\.254\\.10\\.1 is a link-local address'],
    ['https://[fe80::1]/in', 'fe80::1 is a link-local address'],
    ['https://10.0.0.5/in', '10\\.0\\.0\\.5 is a private address'],
    ['https://172.16.8.1/in', '172\\.16\\.8\\.1 is a private address'],
    ['https://172.31.255.254/in', '172\\.31\\.255\\.254 is a private address'],
    ['https://192.168.1.20/in', '192\\.168\\.1\\.20 is a private address'],
    ['https://[fd12:3456::1]/in', 'fd12:3456::1 is a private address'],
    ['https://100.64.0.1/in', '100\\.64\\.0\\.1 is a carrier-grade NAT address'],
    ['https://0.0.0.0/in', '0\\.0\\.0\\.0 is an unspecified address'],
    ['https://[::]/in', ':: is an unspecified address'],
    ['https://224.0.0.251/in', '224\\.0\\.0\\.251 is a multicast address'],
    ['https://[ff02::1]/in', 'ff02::1 is a multicast address'],
    ['https://255.255.255.255/in', '255\\.255\\.255\\.255 is a broadcast address'],
    ['https://169.254.169.254/latest/meta-data/', '169\\.254\\.169\\.254 is a cloud metadata address \\(list 169\\.254\\.169\\.254 itself in PITWALL_WEBHOOK_ALLOW'],
    ['https://[fd00:ec2::254]/latest/', 'fd00:ec2::254 is a cloud metadata address'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'metadata\\.google\\.internal is a cloud metadata service name'],
    ['https://localhost/in', 'localhost is a loopback name'],
    ['https://LOCALHOST./in', 'localhost is a loopback name'],
    // IPv4-mapped IPv6, in dotted and hex form, and the NAT64 form a DNS64 resolver would answer
    ['https://[::ffff:127.0.0.1]/in', '::ffff:7f00:1 is a loopback address'],
    ['https://[::ffff:7f00:1]/in', '::ffff:7f00:1 is a loopback address'],
    ['https://[::ffff:a9fe:a9fe]/in', '::ffff:a9fe:a9fe is a cloud metadata address'],
    ['https://[::ffff:10.0.0.5]/in', '::ffff:a00:5 is a private address'],
    ['https://[64:ff9b::a00:5]/in', '64:ff9b::a00:5 is a private address'],
    // odd IPv4 spellings: the URL parser (WHATWG) makes each a dotted quad before the rule sees it
    ['https://2130706433/in', '127\\.0\\.0\\.1 is a loopback address'],
    ['https://0177.0.0.1/in', '127\\.0\\.0\\.1 is a loopback address'],
    ['https://0x7f.1/in', '127\\.0\\.0\\.1 is a loopback address'],
    ['https://127.1/in', '127\\.0\\.0\\.1 is a loopback address'],
    ['https://0/in', '0\\.0\\.0\\.0 is an unspecified address']
  ]
  for (const [url, reason] of cases) {
    await t.rejects(rule.check(url, 'dealer nord'), { code: 'PITWALL_ERR_WEBHOOK_ADDRESS', message: refused(url, reason) }, url)
  }
  for (const url of ['https://172.32.0.1/in', 'https://8.8.8.8/in', 'https://[2606:4700::1111]/in', 'https://[64:ff9b::808:808]/in', 'https://dms.nord.example/in']) {
    await t.resolves(rule.check(url, 'dealer nord'), `${url} is public`)
  }
})

t.test('a name is refused for what it resolves to now; one that does not resolve yet passes (delivery checks again)', async (t) => {
  const rule = new WebhookAddressRule({ resolve: dns({ 'dms.nord.example': ['203.0.114.7', '10.0.0.5'], 'dms.v6.example': ['2001:4860::1', 'fe80::7'], 'dms.ok.example': ['8.8.4.4'] }) })
  await t.rejects(rule.check('https://dms.nord.example/in', 'dealer nord'), { code: 'PITWALL_ERR_WEBHOOK_ADDRESS', message: refused('https://dms.nord.example/in', 'dms\\.nord\\.example resolves to a private address 10\\.0\\.0\\.5') },
    'one private address among public ones is enough')
  await t.rejects(rule.check('https://dms.v6.example/in', 'dealer nord'), { message: /dms\.v6\.example resolves to a link-local address fe80::7/ })
  await t.resolves(rule.check('https://dms.ok.example/in', 'dealer nord'))
  await t.resolves(rule.check('https://not-yet.example/in', 'dealer nord'))
})

t.test('plain http is refused by default and allowed only for a listed host', async (t) => {
  await t.rejects(new WebhookAddressRule({ resolve: dns({}) }).check('http://dms.nord.example/in', 'dealer nord'),
    { code: 'PITWALL_ERR_WEBHOOK_ADDRESS', message: refused('http://dms.nord.example/in', 'http is allowed only for hosts in PITWALL_WEBHOOK_ALLOW \\(use https\\)') })
  const rule = new WebhookAddressRule({ allow: ' dms.lan , 10.20.0.0/16,192.168.7.9', resolve: dns({ 'dms.lan': ['192.168.50.2'], 'dms.corp.example': ['10.20.1.1'] }) })
  await t.resolves(rule.check('http://dms.lan:8080/in', 'dealer nord'), 'a listed name: http, and it may resolve to a private address')
  await t.resolves(rule.check('http://DMS.LAN./in', 'dealer nord'), 'as the URL parser normalises it')
  await t.resolves(rule.check('http://10.20.3.4/in', 'dealer nord'), 'an address in a listed range, named literally')
  await t.resolves(rule.check('http://192.168.7.9/in', 'dealer nord'), 'a listed address')
  await t.resolves(rule.check('https://dms.corp.example/in', 'dealer nord'), 'https to a name resolving into a listed range')
  await t.rejects(rule.check('http://dms.corp.example/in', 'dealer nord'), { message: /http is allowed only for hosts in PITWALL_WEBHOOK_ALLOW/ },
    'a name is not made http-worthy by what it resolves to')
  await t.rejects(rule.check('http://10.21.0.1/in', 'dealer nord'), { message: /http is allowed only for hosts in PITWALL_WEBHOOK_ALLOW/ }, 'outside the range')
  await t.rejects(rule.check('https://192.168.7.10/in', 'dealer nord'), { message: /192\.168\.7\.10 is a private address \(list the host or a range holding 192\.168\.7\.10 in PITWALL_WEBHOOK_ALLOW to allow it\)/ })
})

t.test('a metadata address is reached only when listed itself, never through a range or a listed name', async (t) => {
  const wide = new WebhookAddressRule({ allow: '169.254.0.0/16,dms.lan', resolve: dns({ 'dms.lan': ['169.254.169.254'] }) })
  await t.resolves(wide.check('https://169.254.10.1/in', 'dealer nord'), 'the range opens link-local')
  await t.rejects(wide.check('https://169.254.169.254/in', 'dealer nord'), { message: /169\.254\.169\.254 is a cloud metadata address/ }, 'but not the metadata service in it')
  await t.rejects(wide.check('http://dms.lan/in', 'dealer nord'), { message: /dms\.lan resolves to a cloud metadata address 169\.254\.169\.254/ })
  await t.resolves(new WebhookAddressRule({ allow: '169.254.169.254' }).check('https://169.254.169.254/in', 'dealer nord'))
})

t.test('an allow list entry that is not a name, an address or a range stops the start, naming it', async (t) => {
  for (const entry of ['10.0.0.0/33', 'dms.lan:8080', 'http://dms.lan', 'user@dms.lan', '*.lan', 'fe80::/129', 'dms lan']) {
    t.throws(() => new WebhookAddressRule({ allow: `dms.ok,${entry}` }),
      { code: 'PITWALL_ERR_CONFIG', message: `PITWALL_WEBHOOK_ALLOW: "${entry}" is not a host name, an IP address or a CIDR range (like 10.20.0.0/16)` }, entry)
  }
  t.doesNotThrow(() => new WebhookAddressRule({ allow: 'dms.lan, 10.0.0.0/8, [::1], fd00::/8, 127.1,,' }))
})
