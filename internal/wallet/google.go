package wallet

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// GoogleSigner signs "Save to Google Wallet" JWTs as a Google Cloud
// service account of a Wallet issuer.
type GoogleSigner struct {
	// Issuer is the service account's e-mail, the JWT's iss; IssuerID is
	// the Wallet issuer whose classes and objects the JWT defines.
	Issuer       string
	IssuerID     string
	Organization string
	// Origins are the sites the save button is shown on.
	Origins []string
	keyID   string
	key     *rsa.PrivateKey
	dev     bool
}

// Dev reports whether the JWTs are signed with a key made at start-up,
// which Google does not know.
func (g *GoogleSigner) Dev() bool { return g.dev }

// PublicKey verifies the JWTs this signer makes.
func (g *GoogleSigner) PublicKey() *rsa.PublicKey { return &g.key.PublicKey }

// Dev Google identity.
const (
	DevGoogleIssuer   = "boxoffice-dev@boxoffice-dev.iam.gserviceaccount.com"
	DevGoogleIssuerID = "3388000000000000000"
)

// NewDevGoogleSigner makes an RSA key in memory: the links it signs are
// well-formed, and Google answers them "this pass cannot be saved".
func NewDevGoogleSigner(organization string, origins []string) (*GoogleSigner, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &GoogleSigner{Issuer: DevGoogleIssuer, IssuerID: DevGoogleIssuerID, Organization: organization, Origins: origins,
		keyID: "dev", key: key, dev: true}, nil
}

// serviceAccount is what of a Google service account key file is used.
type serviceAccount struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
}

// NewGoogleSigner reads a service account key file (the JSON Google Cloud
// hands out) for the Wallet issuer issuerID.
func NewGoogleSigner(serviceAccountJSON []byte, issuerID, organization string, origins []string) (*GoogleSigner, error) {
	var sa serviceAccount
	if err := json.Unmarshal(serviceAccountJSON, &sa); err != nil {
		return nil, fmt.Errorf("service account file: %w", err)
	}
	if sa.Type != "service_account" || sa.ClientEmail == "" || sa.PrivateKey == "" {
		return nil, errors.New("service account file: want a service_account key with client_email and private_key")
	}
	if !idPart.MatchString(issuerID) {
		return nil, fmt.Errorf("issuer id %q: want the digits of the Wallet issuer", issuerID)
	}
	blk, _ := pem.Decode([]byte(sa.PrivateKey))
	if blk == nil {
		return nil, errors.New("service account file: private_key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("service account file: private_key: %w", err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("service account file: private_key is not an RSA key")
	}
	return &GoogleSigner{Issuer: sa.ClientEmail, IssuerID: issuerID, Organization: organization, Origins: origins,
		keyID: sa.PrivateKeyID, key: key}, nil
}

// idPart is what Google allows in the part of a class or object id after
// the issuer id.
var idPart = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// localized is Google's LocalizedString.
type localized struct {
	DefaultValue struct {
		Language string `json:"language"`
		Value    string `json:"value"`
	} `json:"defaultValue"`
}

func text(s string) localized {
	var l localized
	l.DefaultValue.Language, l.DefaultValue.Value = "en", s
	return l
}

// SaveJWT is the signed JWT of ticket t (which must carry its event): an
// event ticket class for the event and an object for the ticket, whose
// QR code is the barcode the gate scans. The event's name, venue and time
// are the class's (Google's ticket object has no such fields), so the
// JWT carries both and a save creates the class if the issuer lacks it.
func (g *GoogleSigner) SaveJWT(t booking.Ticket, now time.Time) (string, error) {
	e := t.Event
	if e == nil {
		return "", fmt.Errorf("wallet: ticket %s without its event", t.ID)
	}
	if !idPart.MatchString(t.ID) || !idPart.MatchString(t.EventID) {
		return "", fmt.Errorf("wallet: ids %q, %q cannot name a Google Wallet object", t.EventID, t.ID)
	}
	classID := g.IssuerID + "." + t.EventID
	seat := map[string]localized{"section": text(t.Section)}
	if t.Row != nil && t.Number != nil {
		seat["row"], seat["seat"] = text(*t.Row), text(strconv.Itoa(*t.Number))
	} else {
		seat["seat"] = text("General admission")
	}
	class := map[string]any{
		"id": classID, "issuerName": g.Organization, "reviewStatus": "UNDER_REVIEW",
		"eventName": text(e.Name),
		"venue":     map[string]any{"name": text(e.Venue.Name), "address": text(e.Venue.City)},
		"dateTime":  map[string]any{"start": e.LocalStartsAt},
	}
	object := map[string]any{
		"id": g.IssuerID + "." + t.ID, "classId": classID, "state": "ACTIVE",
		"ticketNumber": t.ID,
		"barcode":      map[string]any{"type": "QR_CODE", "value": t.Barcode, "alternateText": t.ID},
		"seatInfo":     seat,
	}
	claims := jwt.MapClaims{
		"iss": g.Issuer, "aud": "google", "typ": "savetowallet", "iat": now.Unix(), "origins": g.Origins,
		"payload": map[string]any{"eventTicketClasses": []any{class}, "eventTicketObjects": []any{object}},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if g.keyID != "" {
		tok.Header["kid"] = g.keyID
	}
	return tok.SignedString(g.key)
}
