/**
 * DBC bytes -> text. The format predates Unicode: Vector's CANdb++ writes the
 * Windows ANSI code page (cp1252 in western Europe), newer tools and opendbc
 * write UTF-8. A cp1252 file with accented letters is almost never valid
 * UTF-8, so the bytes are read as UTF-8 when they are valid UTF-8 and as
 * cp1252 otherwise; either way a leading byte-order mark is dropped.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * cp1252 bytes 0x80..0x9F, where it differs from ISO 8859-1 (WHATWG Encoding's
 * windows-1252 index; the five unassigned bytes map to the C1 controls).
 * Written out because Node 20's TextDecoder('windows-1252') decodes as ISO 8859-1.
 */
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178
]

export function decodeDbcBytes (bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {
    // The UTF-8 decoder drops a BOM itself; in cp1252 it would read as 'ï»¿' before line 1's first word.
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
    return decodeCp1252(bom ? bytes.subarray(3) : bytes)
  }
}

function decodeCp1252 (bytes: Uint8Array): string {
  const parts: string[] = []
  // Chunks keep String.fromCharCode's argument list well under engine limits.
  const chunk = 8192
  for (let i = 0; i < bytes.length; i += chunk) {
    const codes = Array.from(bytes.subarray(i, i + chunk), (b) => b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80] as number : b)
    parts.push(String.fromCharCode(...codes))
  }
  return parts.join('')
}
