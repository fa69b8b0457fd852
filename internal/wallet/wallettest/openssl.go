// Package wallettest holds the checks of a served wallet pass that more
// than one package's tests make, so that they check it the same way.
package wallettest

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/wallet"
)

// OpenSSLVerify checks a pass's detached signature of its manifest with
// openssl cms, trusting only ca, and that openssl refuses the same
// signature over a changed manifest: a second verifier, not our own code,
// says the pass is signed.
func OpenSSLVerify(t testing.TB, o wallet.Opened, ca *x509.Certificate) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sig := write("signature", o.Files["signature"])
	caFile := write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	verify := func(manifest string) ([]byte, error) {
		return exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", manifest,
			"-CAfile", caFile, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	}
	out, err := verify(write("manifest.json", o.Files["manifest.json"]))
	if err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Verification successful") {
		t.Errorf("openssl said %s", out)
	}
	if out, err := verify(write("manifest-bad.json", append(o.Files["manifest.json"], ' '))); err == nil {
		t.Errorf("openssl verified a changed manifest: %s", out)
	}
}
