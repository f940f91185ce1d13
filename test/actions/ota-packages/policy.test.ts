/** Which OTA package versions may be registered, without a database: each field named. */
import t from 'tap'
import { checkOtaPackage, otaPackageProblems } from '../../../actions/ota-packages/policy.js'

const PACKAGE = { package: 'tbox-fw', version: '4.2.0+build.7', url: 'https://ota.example/tbox-fw-4.2.0.bin', sha256: 'ab'.repeat(32), size: 1024, addedBy: 'alice' }

t.test('a package version is checked field by field', async (t) => {
  t.same(otaPackageProblems(PACKAGE), [])
  t.throws(() => { checkOtaPackage({ ...PACKAGE, url: 'ftp://ota.example/x', sha256: 'AB'.repeat(32) }) },
    { code: 'PITWALL_ERR_OTA_PACKAGE_INVALID', message: /url "ftp:\/\/ota\.example\/x" is not an http\(s\) URL; sha256 must be 64 lowercase hex digits/ })
  t.match(otaPackageProblems({ ...PACKAGE, package: '-fw', version: '' }), [/package "-fw" is not a name/, /version "" is not a version string/])
  t.match(otaPackageProblems({ ...PACKAGE, size: 0 }), [/size 0 is not a positive number of bytes/])
  t.match(otaPackageProblems({ ...PACKAGE, size: 1.5 }), [/size 1.5 is not a positive number of bytes/])
})
