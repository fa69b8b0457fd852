package wallet

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/smallstep/pkcs7"
)

// requiredFiles are the files Wallet refuses a pass without.
var requiredFiles = []string{"pass.json", "manifest.json", "signature", "icon.png"}

// Opened is a .pkpass taken apart by Open.
type Opened struct {
	Pass  PassJSON
	Files map[string][]byte
}

// Open checks a .pkpass the way Wallet does before it shows one: the
// required files are there, manifest.json lists the SHA-1 of every other
// file and nothing else, and signature is a detached PKCS#7 signature of
// the manifest by a certificate that chains to roots at time at. It is
// the check behind the tests, and a tool for whoever debugs a pass.
func Open(pkpass []byte, roots *x509.CertPool, at time.Time) (Opened, error) {
	zr, err := zip.NewReader(bytes.NewReader(pkpass), int64(len(pkpass)))
	if err != nil {
		return Opened{}, fmt.Errorf("not a zip: %w", err)
	}
	o := Opened{Files: map[string][]byte{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return Opened{}, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 10<<20))
		rc.Close()
		if err != nil {
			return Opened{}, err
		}
		o.Files[f.Name] = b
	}
	for _, name := range requiredFiles {
		if _, ok := o.Files[name]; !ok {
			return Opened{}, fmt.Errorf("%s missing", name)
		}
	}
	var manifest map[string]string
	if err := json.Unmarshal(o.Files["manifest.json"], &manifest); err != nil {
		return Opened{}, fmt.Errorf("manifest.json: %w", err)
	}
	for name, b := range o.Files {
		if name == "manifest.json" || name == "signature" {
			continue
		}
		sum := sha1.Sum(b)
		if manifest[name] != hex.EncodeToString(sum[:]) {
			return Opened{}, fmt.Errorf("manifest.json: %s has SHA-1 %x, the manifest says %q", name, sum, manifest[name])
		}
	}
	for name := range manifest {
		if _, ok := o.Files[name]; !ok || slices.Contains([]string{"manifest.json", "signature"}, name) {
			return Opened{}, fmt.Errorf("manifest.json lists %s, which the pass lacks", name)
		}
	}
	p7, err := pkcs7.Parse(o.Files["signature"])
	if err != nil {
		return Opened{}, fmt.Errorf("signature: %w", err)
	}
	if len(p7.Content) != 0 {
		return Opened{}, errors.New("signature: not detached")
	}
	p7.Content = o.Files["manifest.json"]
	if err := p7.VerifyWithChainAtTime(roots, at); err != nil {
		return Opened{}, fmt.Errorf("signature: %w", err)
	}
	if err := json.Unmarshal(o.Files["pass.json"], &o.Pass); err != nil {
		return Opened{}, fmt.Errorf("pass.json: %w", err)
	}
	return o, nil
}
