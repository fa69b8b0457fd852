//go:build brokenclaim

package sqlite

// A deliberately broken claim, for the linearizability test only
// (cmd/boxoffice/linearizability_test.go builds the binary with
// -tags brokenclaim and expects porcupine to reject its history). It is
// broken twice, because on SQLite either half alone is still safe: the
// exact-seat check reads the seats inside the same BEGIN IMMEDIATE
// transaction as the claim, on the one writer, so it alone keeps a held
// seat from being held again, and the conditional claim alone turns away
// a seat the check let through. Here the claim takes the seat whatever
// its status (the parameter, now, is still bound) and the read reports
// every seat free.
const claimable = `? IS NOT NULL`

const claimSeatColumns = `s.seat_no, s.section_id, sec.name, sec.general_admission, COALESCE(s.row_name, ''), s.row_index,
	COALESCE(s.number, 0), s.score, s.price_cents, '', NULL, ''`
