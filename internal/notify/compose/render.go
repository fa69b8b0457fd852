package compose

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"

	"rsc.io/qr"

	"github.com/boxoffice/boxoffice/internal/notify"
)

//go:embed templates
var files embed.FS

var (
	textTemplates = template.Must(template.ParseFS(files, "templates/*.txt"))
	smsTemplates  = template.Must(template.ParseFS(files, "templates/*.sms"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(files, "templates/*.html"))
)

// render runs the template of kind from set (its file is kind + the set's
// extension).
func render(set *template.Template, kind string, d facts) (string, error) {
	t := set.Lookup(kind + ext(set))
	if t == nil {
		return "", notify.Permanent(fmt.Errorf("no template for %s", kind))
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("render %s: %w", kind, err)
	}
	if set == smsTemplates {
		return strings.TrimSpace(b.String()), nil
	}
	return b.String(), nil
}

func ext(set *template.Template) string {
	if set == smsTemplates {
		return ".sms"
	}
	return ".txt"
}

// renderHTML runs kind's HTML template inside the common layout.
func renderHTML(kind string, d facts) (string, error) {
	var b bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&b, kind+".html", d); err != nil {
		return "", fmt.Errorf("render %s html: %w", kind, err)
	}
	return b.String(), nil
}

// qrPNG draws a barcode as a QR code image, as the tickets page does in
// SVG (mail clients show PNG, not SVG). Level M survives a scuffed phone
// screen; 6 pixels a module scans from across a turnstile.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	code.Scale = 6
	return code.PNG(), nil
}
