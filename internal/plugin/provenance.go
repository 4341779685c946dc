package plugin

import (
	"os"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/rudderpm/rudder/internal/provenance"
)

// Provenance says, in Helm's words, what is known of where an installed plugin
// came from: "local dev" (linked to a folder), "unsigned", "invalid provenance",
// "mismatched provenance" or "signed" (the archive it was installed from and its
// .prov file are kept beside it and agree; the signer is not checked here).
func Provenance(p *Plugin) string {
	if fi, err := os.Lstat(p.Dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return "local dev"
	}
	archive := filepath.Join(filepath.Dir(p.Dir), p.Metadata.Name+"-"+p.Metadata.Version+".tgz")
	data, err := os.ReadFile(archive)
	if err != nil {
		return "unsigned"
	}
	prov, err := os.ReadFile(archive + ".prov")
	if err != nil {
		return "unsigned"
	}
	block, _ := clearsign.Decode(prov)
	if block == nil {
		return "invalid provenance"
	}
	_, files, err := provenance.ParseMessage(block.Plaintext)
	if err != nil || files[filepath.Base(archive)] != "sha256:"+provenance.Digest(data) {
		return "mismatched provenance"
	}
	return "signed"
}
