package formats_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cunshe/cunshe-operator/internal/rules/formats"
)

// Run one with: go test -run '^$' -fuzz=FuzzPeriod -fuzztime=20s ./internal/rules/formats/

// FuzzPeriod: a period is accepted exactly when a reading without regular
// expressions accepts it, and an accepted day is a day of the calendar.
func FuzzPeriod(f *testing.F) {
	for _, seed := range []string{"2026", "2026-H1", "2026-Q3", "2026-11", "2026-11-05", "2026-02-30", "2024-02-29", "2026-Q5",
		"2026-13", "２０２６", "+026", "2026-1-5", "2026-11-05\n", "0000-01-01", "2026-H", "2026-00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := formats.Period(p)
		if want := periodOracle(p); got != want {
			t.Fatalf("Period(%q) = %t, want %t", p, got, want)
		}
		if got && len(p) == len(time.DateOnly) {
			if d, err := time.Parse(time.DateOnly, p); err != nil || d.Format(time.DateOnly) != p {
				t.Fatalf("day %q accepted but it is not a day of the calendar", p)
			}
		}
	})
}

// periodOracle reads a period without a regular expression: a year
// (2026), half (2026-H1), quarter (2026-Q3), month (2026-11) or a day of
// the calendar (2026-11-05).
func periodOracle(p string) bool {
	year, rest, _ := strings.Cut(p, "-")
	if !asciiDigits(year, 4) {
		return false
	}
	switch {
	case p == year, rest == "H1", rest == "H2":
		return true
	case len(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4':
		return true
	}
	month, day, isDay := strings.Cut(rest, "-")
	if !asciiDigits(month, 2) || number(month) < 1 || number(month) > 12 {
		return false
	}
	if !isDay {
		return true
	}
	if !asciiDigits(day, 2) || number(day) < 1 {
		return false
	}
	// time.Date turns 02-30 into 03-02: a day of the calendar stays itself.
	return time.Date(number(year), time.Month(number(month)), number(day), 0, 0, 0, 0, time.UTC).Day() == number(day)
}

func asciiDigits(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789") == ""
}

func number(digits string) int {
	n := 0
	for _, c := range digits {
		n = n*10 + int(c-'0')
	}
	return n
}

// FuzzWebLink: an accepted link is what a resident's browser opens as a
// page of a host — whatever controls, spaces or case the address carries,
// the browser reads the scheme http or https, and there is a host name.
func FuzzWebLink(f *testing.F) {
	for _, seed := range []string{"https://zhcst.wenzhou.gov.cn/ledger/2026q3.pdf", "http://[::1]:8080/x", "HTTPS://X", "javascript:alert(1)",
		"data:text/html;base64,PHNjcmlwdD4=", "/relative/path", "//host/x", "http://user@/", " https://a", "http:/a", "ftp://a"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !formats.WebLink(raw) {
			return
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			t.Fatalf("%q accepted but does not parse: %v", raw, err)
		case u.Hostname() == "":
			t.Fatalf("%q accepted without a host name", raw)
		}
		if scheme := browserScheme(raw); scheme != "http" && scheme != "https" {
			t.Fatalf("%q accepted; a browser reads its scheme as %q", raw, scheme)
		}
	})
}

// urlScheme is a scheme as a browser reads it (WHATWG URL).
var urlScheme = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*):`)

// browserScheme is the scheme a browser finds in an href: it decodes
// entities, strips leading and trailing controls and spaces, drops tabs and
// newlines anywhere, and lowercases the scheme.
func browserScheme(value string) string {
	v := strings.TrimFunc(html.UnescapeString(value), func(r rune) bool { return r <= ' ' })
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	if m := urlScheme.FindStringSubmatch(v); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// FuzzTimeZone: an accepted zone is one of the IANA database, and the same
// on every machine: never the reading machine's own zone.
func FuzzTimeZone(f *testing.F) {
	for _, seed := range []string{"Asia/Shanghai", "UTC", "Europe/London", "Etc/GMT-8", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "Asia",
		// Found by reading, not by the fuzzer (package time is not
		// instrumented, so nothing guided it to the name): a city's day
		// would follow the machine's zone.
		"Local"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		loc, ok := formats.TimeZone(name)
		if !ok {
			return
		}
		again, err := time.LoadLocation(name)
		switch {
		case err != nil:
			t.Fatalf("zone %q accepted but does not load: %v", name, err)
		case loc == time.Local || again == time.Local:
			t.Fatalf("zone %q accepted: it is the zone of whichever machine reads it", name)
		case loc.String() != again.String():
			t.Fatalf("zone %q loads as %s, not %s", name, loc, again)
		}
	})
}
