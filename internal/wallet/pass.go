package wallet

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// PassJSON is pass.json of an event ticket: what Wallet shows and the
// barcode it presents at the gate.
type PassJSON struct {
	FormatVersion      int        `json:"formatVersion"`
	PassTypeIdentifier string     `json:"passTypeIdentifier"`
	SerialNumber       string     `json:"serialNumber"`
	TeamIdentifier     string     `json:"teamIdentifier"`
	OrganizationName   string     `json:"organizationName"`
	Description        string     `json:"description"`
	RelevantDate       string     `json:"relevantDate,omitempty"`
	ForegroundColor    string     `json:"foregroundColor"`
	BackgroundColor    string     `json:"backgroundColor"`
	LabelColor         string     `json:"labelColor"`
	Barcodes           []Barcode  `json:"barcodes"`
	EventTicket        PassFields `json:"eventTicket"`
}

// Barcode is one barcode of a pass.
type Barcode struct {
	Format          string `json:"format"`
	Message         string `json:"message"`
	MessageEncoding string `json:"messageEncoding"`
	AltText         string `json:"altText,omitempty"`
}

// PassFields are the field groups of an event ticket's face and back.
type PassFields struct {
	PrimaryFields   []Field `json:"primaryFields"`
	SecondaryFields []Field `json:"secondaryFields"`
	AuxiliaryFields []Field `json:"auxiliaryFields"`
	BackFields      []Field `json:"backFields"`
}

// Field is one labelled value. A date field's value is an ISO 8601 time
// with the venue's offset, and IgnoresTimeZone makes Wallet show it in
// that zone rather than the phone's: a 19:30 show in Lisbon is 19:30 on
// a phone in New York too.
type Field struct {
	Key             string `json:"key"`
	Label           string `json:"label"`
	Value           string `json:"value"`
	DateStyle       string `json:"dateStyle,omitempty"`
	TimeStyle       string `json:"timeStyle,omitempty"`
	IgnoresTimeZone bool   `json:"ignoresTimeZone,omitempty"`
}

// passJSON describes ticket t (which must carry its event).
func (a *AppleSigner) passJSON(t booking.Ticket) PassJSON {
	e := t.Event
	venue := e.Venue.Name
	if e.Venue.City != "" {
		venue += ", " + e.Venue.City
	}
	p := PassJSON{
		FormatVersion: 1, PassTypeIdentifier: a.PassTypeID, SerialNumber: t.ID, TeamIdentifier: a.TeamID,
		OrganizationName: a.Organization, Description: "Ticket for " + e.Name,
		RelevantDate:    e.LocalStartsAt,
		ForegroundColor: "rgb(255, 255, 255)", BackgroundColor: "rgb(30, 41, 59)", LabelColor: "rgb(203, 213, 225)",
		Barcodes: []Barcode{{Format: "PKBarcodeFormatQR", Message: t.Barcode, MessageEncoding: "iso-8859-1", AltText: t.ID}},
	}
	p.EventTicket.PrimaryFields = []Field{{Key: "event", Label: "EVENT", Value: e.Name}}
	p.EventTicket.SecondaryFields = []Field{
		{Key: "starts", Label: "DATE", Value: e.LocalStartsAt, DateStyle: "PKDateStyleMedium", TimeStyle: "PKDateStyleShort", IgnoresTimeZone: true},
		{Key: "venue", Label: "VENUE", Value: venue},
	}
	aux := []Field{{Key: "section", Label: "SECTION", Value: t.Section}}
	if t.Row != nil && t.Number != nil {
		aux = append(aux, Field{Key: "row", Label: "ROW", Value: *t.Row}, Field{Key: "seat", Label: "SEAT", Value: strconv.Itoa(*t.Number)})
	} else {
		aux = append(aux, Field{Key: "seat", Label: "SEAT", Value: "General admission"})
	}
	p.EventTicket.AuxiliaryFields = aux
	p.EventTicket.BackFields = []Field{
		{Key: "ticket", Label: "Ticket", Value: t.ID},
		{Key: "order", Label: "Order", Value: t.OrderID},
		{Key: "local_time", Label: "Starts (venue time, " + e.Venue.Timezone + ")", Value: localText(e.LocalStartsAt)},
	}
	return p
}

// localText writes an RFC 3339 time as people read it, in its own offset.
func localText(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.Format("Mon 2 Jan 2006, 15:04")
}

// Pass builds the .pkpass of ticket t: a zip of pass.json, the images,
// manifest.json (the SHA-1 of every other file, as Wallet requires) and
// signature (a detached PKCS#7 signature of the manifest).
func (a *AppleSigner) Pass(t booking.Ticket) ([]byte, error) {
	if t.Event == nil {
		return nil, fmt.Errorf("wallet: ticket %s without its event", t.ID)
	}
	pj, err := json.MarshalIndent(a.passJSON(t), "", "  ")
	if err != nil {
		return nil, err
	}
	files := []namedFile{{"pass.json", pj}}
	files = append(files, a.images...)
	manifest := map[string]string{}
	for _, f := range files {
		sum := sha1.Sum(f.data)
		manifest[f.name] = hex.EncodeToString(sum[:])
	}
	mj, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	sig, err := a.signManifest(mj)
	if err != nil {
		return nil, err
	}
	files = append(files, namedFile{"manifest.json", mj}, namedFile{"signature", sig})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type namedFile struct {
	name string
	data []byte
}
