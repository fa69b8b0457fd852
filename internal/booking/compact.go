package booking

import (
	"strconv"
)

// CompactSeatMap is the seat map in its compact form (GET
// /events/{id}/seats?format=compact): the same sections, counts and
// statuses as SeatMap, but each row is one string with a status byte per
// seat instead of an object per seat, so the stadium is about 200 KB
// instead of 3.9 MB, and a few tens of KB gzipped. It is an addition to
// the contract; the full form stays the default.
type CompactSeatMap struct {
	EventID string `json:"event_id"`
	// Format is always "compact", so a client can tell the forms apart.
	Format   string           `json:"format"`
	Sections []CompactSection `json:"sections"`
}

// CompactFormat is the format parameter, and the Format field, of the
// compact seat map.
const CompactFormat = "compact"

// CompactSection is MapSection with compact rows.
type CompactSection struct {
	Name             string       `json:"name"`
	GeneralAdmission bool         `json:"general_admission"`
	PriceCents       int64        `json:"price_cents"`
	Capacity         int          `json:"capacity"`
	Available        int          `json:"available"`
	Rows             []CompactRow `json:"rows,omitempty"`
}

// CompactRow is one row: Status[x] is the status of the row's seat x
// (0-based, in seat order) as StatusByteAvailable ('a'), StatusByteHeld
// ('h') or StatusByteSold ('s'). Seat x has number FirstNumber+x and id
// FirstSeatID+x (ids are decimal integers in this form), unless the row
// carries SeatIDs and Numbers, which then list them; catalog numbers every
// venue so that they are never needed, but a client must not assume so.
type CompactRow struct {
	Name        string   `json:"name"`
	FirstSeatID string   `json:"first_seat_id"`
	FirstNumber int      `json:"first_number"`
	Status      string   `json:"status"`
	SeatIDs     []string `json:"seat_ids,omitempty"`
	Numbers     []int    `json:"numbers,omitempty"`
}

// AppendCompactJSON appends the snapshot's compact seat map as JSON, as
// encoding/json would write the CompactSeatMap, without building it.
func (sn Snapshot) AppendCompactJSON(b []byte) []byte {
	order, st := sn.Plan.order, sn.Status
	return sn.appendSeatMap(b, `,"format":"`+CompactFormat+`"`, func(b []byte, sec MapSection, rs rowSpan) []byte {
		b = append(b, `,"first_seat_id":"`...)
		b = strconv.AppendInt(b, rs.firstNo, 10)
		b = append(b, `","first_number":`...)
		b = strconv.AppendInt(b, int64(rs.firstNumber), 10)
		b = append(b, `,"status":"`...)
		nos := order[rs.start : rs.start+rs.n]
		if rs.run {
			b = append(b, st[rs.firstNo-1:rs.firstNo-1+int64(rs.n)]...)
			return append(b, `"}`...)
		}
		for _, no := range nos {
			b = append(b, st[no-1])
		}
		b = append(b, `","seat_ids":[`...)
		for x, no := range nos {
			if x > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendInt(b, no, 10)
			b = append(b, '"')
		}
		b = append(b, `],"numbers":[`...)
		for x, ms := range sec.Rows[rs.row].Seats {
			if x > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(ms.Number), 10)
		}
		return append(b, "]}"...)
	})
}

// Expand turns the compact form back into the full one: what a client
// does to find a seat's id and number, and how the tests check that both
// forms say the same.
func (m CompactSeatMap) Expand() SeatMap {
	out := SeatMap{EventID: m.EventID, Sections: make([]MapSection, len(m.Sections))}
	for i, cs := range m.Sections {
		sec := MapSection{Name: cs.Name, GeneralAdmission: cs.GeneralAdmission, PriceCents: cs.PriceCents,
			Capacity: cs.Capacity, Available: cs.Available}
		for _, cr := range cs.Rows {
			first, _ := strconv.ParseInt(cr.FirstSeatID, 10, 64)
			row := MapRow{Name: cr.Name, Seats: make([]MapSeat, len(cr.Status))}
			for x := range len(cr.Status) {
				ms := MapSeat{ID: strconv.FormatInt(first+int64(x), 10), Number: cr.FirstNumber + x, Status: statusOfByte(cr.Status[x])}
				if x < len(cr.SeatIDs) && x < len(cr.Numbers) {
					ms.ID, ms.Number = cr.SeatIDs[x], cr.Numbers[x]
				}
				row.Seats[x] = ms
			}
			sec.Rows = append(sec.Rows, row)
		}
		out.Sections[i] = sec
	}
	return out
}
