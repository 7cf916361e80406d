package process

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// DateLayout is the layout of the dates in a CalendarOverride: a calendar day, no clock time.
const DateLayout = "2006-01-02"

// chinaOffset is UTC+8. China has used one offset and no daylight saving since 1991, so a
// fixed zone gives the same calendar days as Asia/Shanghai without reading tzdata, which
// workflow code must not do.
const chinaOffset = 8 * 60 * 60

const secondsPerDay = 24 * 60 * 60

// firstLibraryYear is the first year lunar-go's holiday table has rows for (2001-12-29, a
// make-up day for New Year 2002); the table runs without gaps from there.
const firstLibraryYear = 2001

// cst is the zone SLA deadlines are expressed in. It is never modified.
var cst = time.FixedZone("CST", chinaOffset)

// CalendarOverride lets a region declare its own days off (a local festival, a disaster) or
// its own working days. It applies to Region and every region below it; the override of the
// most specific region in a case's chain wins. Dates use DateLayout.
type CalendarOverride struct {
	Region   string
	Holidays []string
	Workdays []string
}

// Calendar decides which days count for SLAs given in working days: Monday to Friday, minus
// the State Council's public holidays, plus its make-up working weekend days (调休), then
// adjusted by regional overrides.
//
// National data comes from github.com/6tail/lunar-go HolidayUtil (see CoveredYears); years
// beyond it fall back to plain weekends. A Calendar is immutable once built, so one value may
// be shared by concurrent workflows. Upgrading lunar-go can change deadlines computed for
// dates it newly covers: workflows must record a computed deadline rather than recompute it
// on replay, or guard the upgrade with workflow.GetVersion.
type Calendar struct {
	// national and regional hold exceptions to the weekend rule: true means a working day,
	// false a day off.
	national  map[civilDay]bool
	regional  map[string]map[civilDay]bool
	firstYear int
	lastYear  int
}

// DefaultCalendar returns the national calendar with no regional overrides. It cannot fail:
// the national data is compiled in and checked by the tests.
func DefaultCalendar() *Calendar {
	c := &Calendar{national: make(map[civilDay]bool), regional: make(map[string]map[civilDay]bool)}
	for year := firstLibraryYear; ; year++ {
		rows := HolidayUtil.GetHolidaysByYear(year)
		if rows.Len() == 0 {
			return c
		}
		for e := rows.Front(); e != nil; e = e.Next() {
			c.addNational(e.Value.(*HolidayUtil.Holiday))
		}
	}
}

// addNational records one row of the library's table. The table is a compile-time constant,
// so a row that does not parse is a programming error, caught by the tests, not a runtime
// condition to handle.
func (c *Calendar) addNational(h *HolidayUtil.Holiday) {
	day, err := parseDay(h.GetDay())
	if err != nil {
		panic("process: lunar-go holiday row with bad day " + h.GetDay())
	}
	target, err := parseDay(h.GetTarget())
	if err != nil {
		panic("process: lunar-go holiday row with bad target " + h.GetTarget())
	}
	c.national[day] = h.IsWork()
	// Coverage follows the holiday a row belongs to, so a make-up day late in December counts
	// for the following year.
	year := target.start().Year()
	if c.firstYear == 0 || year < c.firstYear {
		c.firstYear = year
	}
	if year > c.lastYear {
		c.lastYear = year
	}
}

// NewCalendar returns the national calendar adjusted by overrides. Overrides come from
// configuration typed by people, so every date is checked and the error names the region and
// the bad value; a date listed both as a holiday and as a working day of one region is
// rejected because neither reading is safe to guess.
func NewCalendar(overrides []CalendarOverride) (*Calendar, error) {
	c := DefaultCalendar()
	for _, o := range overrides {
		if o.Region == "" {
			return nil, fmt.Errorf("calendar override without a region (holidays %q, workdays %q)", o.Holidays, o.Workdays)
		}
		days := c.regional[o.Region]
		if days == nil {
			days = make(map[civilDay]bool)
			c.regional[o.Region] = days
		}
		for _, s := range o.Holidays {
			if err := setOverride(days, o.Region, s, false); err != nil {
				return nil, err
			}
		}
		for _, s := range o.Workdays {
			if err := setOverride(days, o.Region, s, true); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// setOverride records one date of a region's override.
func setOverride(days map[civilDay]bool, region, date string, working bool) error {
	day, err := parseDay(date)
	if err != nil {
		return fmt.Errorf("calendar override for region %s: bad date %q, want YYYY-MM-DD: %w", region, date, err)
	}
	if prev, ok := days[day]; ok && prev != working {
		return fmt.Errorf("calendar override for region %s: date %q is both a holiday and a working day", region, date)
	}
	days[day] = working
	return nil
}

// CoveredYears returns the years for which the State Council's schedule is known. Deadlines
// falling after lastYear count only weekends as days off, so callers may want to flag them.
func (c *Calendar) CoveredYears() (firstYear, lastYear int) {
	return c.firstYear, c.lastYear
}

// IsWorkingDay reports whether day's calendar day in China is a working day for a case whose
// region chain (root to leaf, e.g. "430000", "430700", "430721") is regionChain.
func (c *Calendar) IsWorkingDay(day time.Time, regionChain ...string) bool {
	return c.working(dayOf(day), regionChain)
}

// AddWorkingDays returns the deadline for "n working days from start": the end (00:00 CST of
// the next calendar day) of the n-th working day strictly after start's calendar day in
// China. The day of submission never counts, as the rules count from the day after. n <= 0
// returns start unchanged.
func (c *Calendar) AddWorkingDays(start time.Time, n int, regionChain ...string) time.Time {
	if n <= 0 {
		return start
	}
	day := dayOf(start)
	for n > 0 {
		day++
		if c.working(day, regionChain) {
			n--
		}
	}
	return (day + 1).start()
}

// WorkingDaysBetween counts the working days d with from < d <= to, comparing calendar days
// in China: how many working days of an SLA have been used up. It is 0 when to is not after
// from.
func (c *Calendar) WorkingDaysBetween(from, to time.Time, regionChain ...string) int {
	count := 0
	for day, last := dayOf(from)+1, dayOf(to); day <= last; day++ {
		if c.working(day, regionChain) {
			count++
		}
	}
	return count
}

// working applies the rules from the most specific to the most general: the leaf region's
// override first, then its ancestors', then the national schedule, then the weekend.
func (c *Calendar) working(day civilDay, regionChain []string) bool {
	for i := len(regionChain) - 1; i >= 0; i-- {
		if w, ok := c.regional[regionChain[i]][day]; ok {
			return w
		}
	}
	if w, ok := c.national[day]; ok {
		return w
	}
	return !day.weekend()
}

// civilDay numbers calendar days in China, 0 being 1970-01-01. Plain integers make stepping,
// comparing and looking up days cheap and free of clock times.
type civilDay int64

// dayOf returns t's calendar day in China, whatever t's location.
func dayOf(t time.Time) civilDay {
	s := t.Unix() + chinaOffset
	d := s / secondsPerDay
	if s%secondsPerDay < 0 { // floor, for instants before 1970
		d--
	}
	return civilDay(d)
}

// start returns 00:00 CST of the day.
func (d civilDay) start() time.Time {
	return time.Unix(int64(d)*secondsPerDay-chinaOffset, 0).In(cst)
}

// weekend reports Saturdays and Sundays; 1970-01-01 was a Thursday.
func (d civilDay) weekend() bool {
	w := (int64(d) + int64(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w) == time.Saturday || time.Weekday(w) == time.Sunday
}

// parseDay reads a DateLayout date as a calendar day in China.
func parseDay(s string) (civilDay, error) {
	t, err := time.ParseInLocation(DateLayout, s, cst)
	if err != nil {
		return 0, err
	}
	return dayOf(t), nil
}

// ParseCalendar builds a calendar from a JSON list of overrides, as kept
// in the file of --calendar-file:
// [{"Region": "430721", "Holidays": ["2026-03-03"], "Workdays": []}].
func ParseCalendar(doc []byte) (*Calendar, error) {
	var overrides []CalendarOverride
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&overrides); err != nil {
		return nil, fmt.Errorf("calendar overrides: %w", err)
	}
	return NewCalendar(overrides)
}
