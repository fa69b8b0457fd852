package wallet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/smallstep/pkcs7"
)

// AppleSigner signs pass manifests with a Pass Type ID certificate, and
// names the pass type and team that certificate belongs to.
type AppleSigner struct {
	// PassTypeID is the pass type identifier (pass.com.example.tickets);
	// TeamID is the Apple developer team of the certificate.
	PassTypeID   string
	TeamID       string
	Organization string
	cert         *x509.Certificate
	key          crypto.Signer
	// chain is the WWDR intermediate that issued cert (for the dev signer,
	// its made-up CA), put into every signature so a device can build the
	// path to Apple's root; empty when none was configured.
	chain []*x509.Certificate
	dev   bool
	// images are the pass's icon and logo files.
	images []namedFile
}

// Dev reports whether the passes are signed with a development certificate
// made at start-up, which iPhones refuse.
func (a *AppleSigner) Dev() bool { return a.dev }

// Certificate is the certificate passes are signed with.
func (a *AppleSigner) Certificate() *x509.Certificate { return a.cert }

// Chain is what signatures carry above the signing certificate.
func (a *AppleSigner) Chain() []*x509.Certificate { return a.chain }

// Dev pass identity: Apple team ids are ten characters.
const (
	DevPassTypeID = "pass.localhost.boxoffice.dev"
	DevTeamID     = "DEVTEAM000"
)

// NewDevAppleSigner makes, in memory, a development CA and a pass
// certificate it issued, valid from now for a year. Passes signed with it
// are well-formed but no iPhone accepts them: only Apple's WWDR issues
// pass certificates a device trusts.
func NewDevAppleSigner(organization string, now time.Time) (*AppleSigner, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Boxoffice Development Wallet CA", Organization: []string{organization}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject: pkix.Name{CommonName: "Pass Type ID: " + DevPassTypeID, OrganizationalUnit: []string{DevTeamID},
			Organization: []string{organization}, ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUserID, Value: DevPassTypeID}}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, key.Public(), caKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &AppleSigner{PassTypeID: DevPassTypeID, TeamID: DevTeamID, Organization: organization, cert: cert, key: key,
		chain: []*x509.Certificate{caCert}, dev: true, images: passImages()}, nil
}

// oidUserID is the UID attribute, where Apple puts the pass type id in a
// pass certificate's subject.
var oidUserID = []int{0, 9, 2342, 19200300, 100, 1, 1}

// NewAppleSigner loads a real Pass Type ID certificate, its private key
// and (optionally) the WWDR intermediate, all PEM. It refuses a key that
// is not the certificate's, and an intermediate that did not issue it, so
// a mistake shows at start-up instead of as passes no phone opens.
func NewAppleSigner(passTypeID, teamID, organization string, certPEM, keyPEM, wwdrPEM []byte) (*AppleSigner, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("pass certificate: %w", err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pass key: %w", err)
	}
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, errors.New("pass key: it is not the key of the pass certificate")
	}
	a := &AppleSigner{PassTypeID: passTypeID, TeamID: teamID, Organization: organization, cert: cert, key: key, images: passImages()}
	if len(wwdrPEM) > 0 {
		wwdr, err := parseCert(wwdrPEM)
		if err != nil {
			return nil, fmt.Errorf("WWDR certificate: %w", err)
		}
		if err := cert.CheckSignatureFrom(wwdr); err != nil {
			return nil, fmt.Errorf("WWDR certificate: it did not issue the pass certificate: %w", err)
		}
		a.chain = []*x509.Certificate{wwdr}
	}
	return a, nil
}

func parseCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM CERTIFICATE")
	}
	return x509.ParseCertificate(blk.Bytes)
}

func parseKey(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("not a PEM private key")
	}
	var k any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("PEM %q is not an unencrypted private key", blk.Type)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", k)
	}
	return s, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// signManifest is the pass's signature file: a detached PKCS#7 SignedData
// over manifest.json, with SHA-256 digests, carrying the signing
// certificate and the chain above it.
func (a *AppleSigner) signManifest(manifest []byte) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(manifest)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(a.cert, a.key, a.chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("sign pass manifest: %w", err)
	}
	sd.Detach()
	return sd.Finish()
}
