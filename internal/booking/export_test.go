package booking

import "time"

// OldOffers is Service.Offers as it was before offers came from the shared
// snapshot's flat index: a whole SeatMap of strings built from every seat,
// then ranked. The benchmarks run it as their "before".
func OldOffers(eventID string, seats []Seat, now time.Time, q OfferQuery) ([]Offer, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	score := make(map[string]int64, len(seats))
	for _, st := range seats {
		score[st.ID()] = st.Score
	}
	m := seatMap(eventID, seats, now)
	return rankOffers(m, func(id string) int64 { return score[id] }, q), nil
}

// OldSnapshotOffers is Snapshot.Offers as it was: the whole SeatMap of the
// snapshot, then the same ranking.
func OldSnapshotOffers(sn Snapshot, q OfferQuery) ([]Offer, error) { return referenceOffers(sn, q) }
