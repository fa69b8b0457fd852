package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// queueOptions are the waiting-room settings kept in events.queue_options
// as JSON: the ones added after enabled and admit_per_minute, which have
// columns of their own. JSON keeps later additions a code change only.
type queueOptions struct {
	Mode          string     `json:"mode,omitempty"`
	Min           int        `json:"min,omitempty"`
	Max           int        `json:"max,omitempty"`
	OpensAt       *time.Time `json:"opens_at,omitempty"`
	PowDifficulty int        `json:"pow,omitempty"`
}

// QueueOptions is the scan destination and the argument for the
// events.queue_options column of q.
func QueueOptions(q *catalog.Queue) *QueueOptionsColumn { return &QueueOptionsColumn{q} }

// QueueOptionsColumn reads and writes a catalog.Queue's options as the
// JSON text of events.queue_options, in both engines.
type QueueOptionsColumn struct{ q *catalog.Queue }

// Value implements driver.Valuer.
func (c *QueueOptionsColumn) Value() (driver.Value, error) {
	o := queueOptions{Mode: c.q.Mode, Min: c.q.MinAdmitPerMinute, Max: c.q.MaxAdmitPerMinute, OpensAt: c.q.OpensAt,
		PowDifficulty: c.q.PowDifficulty}
	if o.Mode == catalog.QueueFixed {
		o.Mode = "" // the default: most events then store "{}", which Scan reads without decoding
	}
	b, err := json.Marshal(o)
	return string(b), err
}

// Scan implements sql.Scanner.
func (c *QueueOptionsColumn) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		b = []byte("{}")
	default:
		return fmt.Errorf("queue_options: cannot scan %T", src)
	}
	var o queueOptions
	// Most events have none of these settings, and every hold's
	// transaction reads its event: skip the decoder for them.
	if string(b) != "{}" {
		if err := json.Unmarshal(b, &o); err != nil {
			return fmt.Errorf("queue_options: %w", err)
		}
	}
	if o.Mode == "" {
		o.Mode = catalog.QueueFixed
	}
	if o.OpensAt != nil {
		t := o.OpensAt.UTC()
		o.OpensAt = &t
	}
	c.q.Mode, c.q.MinAdmitPerMinute, c.q.MaxAdmitPerMinute, c.q.OpensAt, c.q.PowDifficulty = o.Mode, o.Min, o.Max, o.OpensAt, o.PowDifficulty
	return nil
}
