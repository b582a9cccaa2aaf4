// Package formats reads the formats people type into the records the rules
// check: a disclosure's period and links, a jurisdiction's time zone. The
// rules (internal/rules) turn a refusal into a finding naming its rule;
// these functions only say whether a value is well formed.
//
// The package uses the standard library alone: the fuzzing engine's cost
// per input grows with the code linked into the test binary, so its fuzz
// targets here run several times faster than they would beside the API
// types (make fuzz).
package formats

import (
	"net/url"
	"regexp"
	"time"
)

// period is a year, half, quarter, month or day; days are checked against
// the calendar in Period.
var period = regexp.MustCompile(`^[0-9]{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2])|-(0[1-9]|1[0-2])-[0-3][0-9])?$`)

// Period reports whether p is a year (2026), half (2026-H1), quarter
// (2026-Q3), month (2026-11) or day of the calendar (2026-11-05).
func Period(p string) bool {
	if !period.MatchString(p) {
		return false
	}
	if len(p) == len(time.DateOnly) {
		_, err := time.Parse(time.DateOnly, p)
		return err == nil
	}
	return true
}

// WebLink reports whether raw is an absolute http or https address of a
// host: no javascript:, data: or relative links, and not a port or a user
// without a host (http://:80/).
func WebLink(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http"
}

// TimeZone loads name when it is a zone of the IANA database, such as
// Asia/Shanghai or UTC. "Local" is refused: it is the zone of whichever
// machine reads it, so admission, the controllers and the CLI would each
// see a different day for the same city.
func TimeZone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}
