package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// queueForm is the event form's waiting-room fieldset, as typed. The
// opening of the pre-queue is in the venue's local time, like the form's
// other times.
type queueForm struct {
	Enabled                             bool
	AdmitPerMinute, Mode, Min, Max, Pow string
	OpensAt                             string // datetime-local, "" for "as soon as published"
}

// newQueueForm is what a new event's form starts with: off, 600 a minute.
func newQueueForm() queueForm {
	return queueForm{AdmitPerMinute: "600", Mode: catalog.QueueFixed, Pow: "0"}
}

func readQueueForm(r *http.Request) queueForm {
	return queueForm{Enabled: r.PostFormValue("queue") == "on", AdmitPerMinute: r.PostFormValue("admit_per_minute"),
		Mode: r.PostFormValue("queue_mode"), Min: r.PostFormValue("queue_min"), Max: r.PostFormValue("queue_max"),
		OpensAt: r.PostFormValue("queue_opens_at"), Pow: r.PostFormValue("queue_pow")}
}

func queueFormOf(q catalog.Queue, tz string) queueForm {
	f := queueForm{Enabled: q.Enabled, AdmitPerMinute: strconv.Itoa(q.AdmitPerMinute), Mode: q.Mode, Pow: strconv.Itoa(q.PowDifficulty)}
	if q.Mode == catalog.QueueAuto {
		f.Min, f.Max = strconv.Itoa(q.MinAdmitPerMinute), strconv.Itoa(q.MaxAdmitPerMinute)
	}
	if q.OpensAt != nil {
		f.OpensAt = catalog.InZone(*q.OpensAt, tz).Format("2006-01-02T15:04")
	}
	return f
}

// Auto reports whether the form is in auto mode (the bounds apply).
func (f queueForm) Auto() bool { return f.Mode == catalog.QueueAuto }

// queue turns the fieldset into the catalog's settings. Field errors use
// the catalog's names (queue.min_admit_per_minute, …), so that a number
// that does not parse and one the catalog refuses read alike. The bounds
// count only in auto mode: a fixed rate ignores what is left in them, as
// the form says, instead of refusing the save.
func (f queueForm) queue(fe *apperr.Fields, tz string) *catalog.Queue {
	q := &catalog.Queue{Enabled: f.Enabled, Mode: f.Mode, AdmitPerMinute: integer(fe, "queue.admit_per_minute", f.AdmitPerMinute)}
	if q.Mode == catalog.QueueAuto {
		q.MinAdmitPerMinute = integer(fe, "queue.min_admit_per_minute", f.Min)
		q.MaxAdmitPerMinute = integer(fe, "queue.max_admit_per_minute", f.Max)
	}
	if strings.TrimSpace(f.Pow) != "" {
		q.PowDifficulty = integer(fe, "queue.pow_difficulty", f.Pow)
	}
	if strings.TrimSpace(f.OpensAt) != "" {
		q.OpensAt = localInput(fe, "queue.opens_at", f.OpensAt, tz)
	}
	return q
}
