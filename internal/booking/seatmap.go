package booking

import (
	"context"
	"time"
)

// SeatMap is an event's seats with their live status.
type SeatMap struct {
	EventID  string       `json:"event_id"`
	Sections []MapSection `json:"sections"`
}

// MapSection is one section of a SeatMap: rows of seats, or a
// general-admission area with a count.
type MapSection struct {
	Name             string   `json:"name"`
	GeneralAdmission bool     `json:"general_admission"`
	PriceCents       int64    `json:"price_cents"`
	Capacity         int      `json:"capacity"`
	Available        int      `json:"available"`
	Rows             []MapRow `json:"rows,omitempty"`
}

// MapRow is one row of a SeatMap.
type MapRow struct {
	Name  string    `json:"name"`
	Seats []MapSeat `json:"seats"`
}

// MapSeat is one seat of a SeatMap.
type MapSeat struct {
	ID     string     `json:"id"`
	Number int        `json:"number"`
	Status SeatStatus `json:"status"`
}

// SeatMap returns the event's map as it is now. Expired holds show as
// available at once.
func (s *Service) SeatMap(ctx context.Context, eventID string) (SeatMap, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return SeatMap{}, err
	}
	seats, err := s.store.Seats(ctx, eventID)
	if err != nil {
		return SeatMap{}, err
	}
	return seatMap(eventID, seats, s.clock.Now()), nil
}

func seatMap(eventID string, seats []Seat, now time.Time) SeatMap {
	return buildSeatMap(eventID, seats, func(st Seat) SeatStatus { return st.Status(now) })
}

// buildSeatMap groups seats (in map order) into sections and rows, asking
// status for each seat's status.
func buildSeatMap(eventID string, seats []Seat, status func(Seat) SeatStatus) SeatMap {
	m := SeatMap{EventID: eventID, Sections: []MapSection{}}
	var sec *MapSection
	var row *MapRow
	for _, st := range seats {
		if sec == nil || sec.Name != st.Section {
			m.Sections = append(m.Sections, MapSection{Name: st.Section, GeneralAdmission: st.GA, PriceCents: st.PriceCents})
			sec, row = &m.Sections[len(m.Sections)-1], nil
		}
		status := status(st)
		sec.Capacity++
		if status == SeatAvailable {
			sec.Available++
		}
		if st.GA {
			continue
		}
		if row == nil || row.Name != st.Row {
			sec.Rows = append(sec.Rows, MapRow{Name: st.Row})
			row = &sec.Rows[len(sec.Rows)-1]
		}
		row.Seats = append(row.Seats, MapSeat{ID: st.ID(), Number: st.Number, Status: status})
	}
	return m
}
