package booking

import (
	"strings"
	"testing"
)

// FuzzBarcode: no string a scanner reads makes Verify panic, and the only
// strings it accepts are barcodes the server signed, exactly: a barcode
// changed in any character is refused.
func FuzzBarcode(f *testing.F) {
	s := Signer{key: []byte("fuzz-key-0123456789abcdef0123456")}
	good := s.Barcode("tkt_8zsdt8n337bajc7h3aecwxvbf8")
	f.Add(good)
	f.Add(strings.ToUpper(good))
	f.Add(good[:len(good)-1] + "0")
	f.Add("BO1-")
	f.Add("BO1--")
	f.Add("BO1-tkt-" + strings.Repeat("f", 32))
	f.Add("")
	f.Fuzz(func(t *testing.T, barcode string) {
		id, ok := s.Verify(barcode)
		if ok && s.Barcode(id) != barcode {
			t.Fatalf("Verify accepted %q as ticket %q, whose barcode is %q", barcode, id, s.Barcode(id))
		}
	})
}
