// Package store holds what the SQL engines (sqlite, postgres) share:
// conversions between Go values and columns, and parsing of database URLs.
// Engines share helpers, not function bodies: each keeps its own visible SQL.
package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Millis is how times are stored: Unix milliseconds, UTC. One integer type
// in both engines keeps comparisons and indexes simple and exact.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time reads a stored time.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullTime reads a nullable stored time.
func NullTime(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := Time(ms.Int64)
	return &t
}

// NullString stores "" as NULL.
func NullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// NullInt stores 0 as NULL.
func NullInt(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n != 0} }

// Engine names a database engine from a --database URL.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ParseURL splits a --database value into engine and the engine's own DSN:
// "sqlite:path/to/file.db" or "postgres://user@host/db".
func ParseURL(u string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if p == "" {
			return "", "", fmt.Errorf("database %q: sqlite needs a file path, as in sqlite:boxoffice.db", u)
		}
		return SQLite, p, nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return Postgres, u, nil
	default:
		return "", "", fmt.Errorf("database %q: want sqlite:FILE or postgres://…", u)
	}
}

// JoinChannels is how an order's confirmation channels are kept in one
// column ("email,sms"); SplitChannels reads them back.
func JoinChannels(chs []string) string { return strings.Join(chs, ",") }

// SplitChannels reads a column JoinChannels wrote.
func SplitChannels(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
