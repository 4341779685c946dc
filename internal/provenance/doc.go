// Package provenance signs and verifies chart archives with Helm's provenance
// files (<chart>-<version>.tgz.prov): an OpenPGP clear-signed message holding the
// chart's Chart.yaml, a "..." line, and the SHA-256 of the archive.
//
//	ring, _ := provenance.LoadKeyring("~/.gnupg/secring.gpg")
//	key, _ := provenance.FindKey(ring, "Jane")
//	_ = provenance.Unlock(key, passphrase)
//	prov, _ := provenance.Sign(archive, "mychart-0.1.0.tgz", chartYAML, key)
//	v, err := provenance.Verify(archive, prov, "mychart-0.1.0.tgz", publicRing)
//
// Keyrings may be binary, ASCII-armoured, or GnuPG 2's keybox (pubring.kbx).
package provenance
