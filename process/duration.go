package process

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Duration is an ISO 8601 duration such as "P15D", "P1W" or "PT30S". Years
// and months are refused: their length varies, and a legal time limit is
// always stated in days.
type Duration string

var isoDuration = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// maxYears bounds every duration: no legal time limit comes near it.
const maxYears = 10

var maxDuration = time.Duration(maxYears) * 365 * 24 * time.Hour

// Parse returns the length of d. The empty duration is zero.
func (d Duration) Parse() (time.Duration, error) {
	if d == "" {
		return 0, nil
	}
	m := isoDuration.FindStringSubmatch(string(d))
	if m == nil || d == "P" || d[len(d)-1] == 'T' {
		return 0, fmt.Errorf("bad duration %q: want ISO 8601 like P15D, P1W or PT30S (no years or months)", string(d))
	}
	units := []float64{7 * 86400, 86400, 3600, 60, 1}
	var seconds float64
	for i, u := range units {
		if m[i+1] != "" {
			f, err := strconv.ParseFloat(m[i+1], 64)
			if err != nil {
				return 0, fmt.Errorf("bad duration %q: number out of range", string(d))
			}
			seconds += f * u
		}
	}
	// Summed in floating point and bounded before converting: a huge
	// number of weeks must be an error, not a wrapped-around duration.
	if seconds > maxDuration.Seconds() {
		return 0, fmt.Errorf("bad duration %q: longer than %d years", string(d), maxYears)
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

// MustParse is Parse for durations already validated.
func (d Duration) MustParse() time.Duration {
	v, err := d.Parse()
	if err != nil {
		panic(err)
	}
	return v
}

// UnmarshalJSON accepts only strings, so a number is a clear error.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be an ISO 8601 string such as \"P5D\"")
	}
	*d = Duration(s)
	return nil
}
