package booking

import (
	"context"
	"sort"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
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

// Offer is a block of adjacent available seats in one row: "You'll get 2
// seats together between 1 and 4".
type Offer struct {
	Section    string   `json:"section"`
	Row        *string  `json:"row"`
	SeatFrom   *int     `json:"seat_from"`
	SeatTo     *int     `json:"seat_to"`
	PriceCents int64    `json:"price_cents"`
	Available  int      `json:"available"`
	SeatIDs    []string `json:"seat_ids,omitempty"`
	score      int64
}

// OfferQuery filters and orders offers.
type OfferQuery struct {
	Quantity      int
	Sort          string // "price" or "best"
	MaxPriceCents int64
	Section       string
	Limit         int
}

// Offers lists blocks of available seats that fit Quantity. A
// general-admission area is one offer with its available count.
func (s *Service) Offers(ctx context.Context, eventID string, q OfferQuery) ([]Offer, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	seats, err := s.store.Seats(ctx, eventID)
	if err != nil {
		return nil, err
	}
	score := make(map[string]int64, len(seats))
	for _, st := range seats {
		score[st.ID()] = st.Score
	}
	m := seatMap(eventID, seats, s.clock.Now())
	return rankOffers(m, func(id string) int64 { return score[id] }, q), nil
}

func (q *OfferQuery) validate() error {
	var f apperr.Fields
	if q.Quantity < 1 || q.Quantity > MaxQuantity {
		f.Add("quantity", "must be between 1 and %d", MaxQuantity)
	}
	if q.Sort == "" {
		q.Sort = "price"
	}
	if q.Sort != "price" && q.Sort != "best" {
		f.Add("sort", "must be price or best")
	}
	if q.MaxPriceCents < 0 {
		f.Add("max_price_cents", "must not be negative")
	}
	return f.Err()
}

// rankOffers finds the blocks of available seats of m that fit q, ordered
// as q asks; score gives a seat's quality by id (lower is better).
func rankOffers(m SeatMap, score func(id string) int64, q OfferQuery) []Offer {
	offers := []Offer{}
	for _, sec := range m.Sections {
		if (q.Section != "" && sec.Name != q.Section) || (q.MaxPriceCents > 0 && sec.PriceCents > q.MaxPriceCents) {
			continue
		}
		if sec.GeneralAdmission {
			if sec.Available >= q.Quantity {
				offers = append(offers, Offer{Section: sec.Name, PriceCents: sec.PriceCents, Available: sec.Available, score: 1 << 62})
			}
			continue
		}
		for _, r := range sec.Rows {
			for i := 0; i < len(r.Seats); {
				if r.Seats[i].Status != SeatAvailable {
					i++
					continue
				}
				j := i
				for j+1 < len(r.Seats) && r.Seats[j+1].Status == SeatAvailable && r.Seats[j+1].Number == r.Seats[j].Number+1 {
					j++
				}
				if n := j - i + 1; n >= q.Quantity {
					o := Offer{Section: sec.Name, Row: optString(r.Name), SeatFrom: optInt(r.Seats[i].Number), SeatTo: optInt(r.Seats[j].Number),
						PriceCents: sec.PriceCents, Available: n, score: 1 << 62}
					for k := i; k <= j; k++ {
						o.SeatIDs = append(o.SeatIDs, r.Seats[k].ID)
						o.score = min(o.score, score(r.Seats[k].ID))
					}
					offers = append(offers, o)
				}
				i = j + 1
			}
		}
	}
	sort.SliceStable(offers, func(i, j int) bool {
		a, b := offers[i], offers[j]
		if q.Sort == "price" && a.PriceCents != b.PriceCents {
			return a.PriceCents < b.PriceCents
		}
		return a.score < b.score
	})
	if q.Limit > 0 && len(offers) > q.Limit {
		offers = offers[:q.Limit]
	}
	return offers
}
