package process

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// at parses "2006-01-02 15:04" as China time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	require.NoError(t, err)
	return v
}

// date parses a DateLayout date as 00:00 China time.
func date(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(DateLayout, s, cst)
	require.NoError(t, err)
	return v
}

// schedule is one year's national holiday arrangement as published, written independently of
// the library so the test checks the library's data rather than restating it.
type schedule struct {
	year   int
	source string
	off    [][2]string // inclusive ranges of days off
	worked []string    // make-up working weekend days (调休)
}

var schedules = []schedule{
	{year: 2024, source: "State Council schedule for 2024",
		off: [][2]string{{"2024-01-01", "2024-01-01"}, {"2024-02-10", "2024-02-17"}, {"2024-04-04", "2024-04-06"},
			{"2024-05-01", "2024-05-05"}, {"2024-06-10", "2024-06-10"}, {"2024-09-15", "2024-09-17"}, {"2024-10-01", "2024-10-07"}},
		worked: []string{"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"}},
	{year: 2025, source: "State Council schedule for 2025 (DOMAIN.md §8)",
		off: [][2]string{{"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
			{"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"}},
		worked: []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}},
	{year: 2026, source: "State Council schedule for 2026",
		off: [][2]string{{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
			{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"}, {"2026-10-01", "2026-10-07"}},
		worked: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}},
	// Not checked against the State Council notice: this pins the data lunar-go v1.4.7 ships,
	// so a library upgrade that changes 2027 fails here and gets reviewed.
	{year: 2027, source: "lunar-go v1.4.7 data for 2027",
		off: [][2]string{{"2027-01-01", "2027-01-03"}, {"2027-02-05", "2027-02-13"}, {"2027-04-03", "2027-04-05"},
			{"2027-05-01", "2027-05-05"}, {"2027-06-09", "2027-06-09"}, {"2027-09-15", "2027-09-15"}, {"2027-10-01", "2027-10-07"}},
		worked: []string{"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"}},
}

// want reports whether day is a working day under the schedule.
func (s schedule) want(t *testing.T, day time.Time) bool {
	for _, r := range s.off {
		if !day.Before(date(t, r[0])) && !day.After(date(t, r[1])) {
			return false
		}
	}
	for _, w := range s.worked {
		if day.Equal(date(t, w)) {
			return true
		}
	}
	return day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
}

func TestIsWorkingDayMatchesPublishedSchedules(t *testing.T) {
	c := DefaultCalendar()
	for _, s := range schedules {
		t.Run(s.source, func(t *testing.T) {
			for day := time.Date(s.year, 1, 1, 0, 0, 0, 0, cst); day.Year() == s.year; day = day.AddDate(0, 0, 1) {
				require.Equal(t, s.want(t, day), c.IsWorkingDay(day), "%s (%s)", day.Format(DateLayout), day.Weekday())
			}
		})
	}
}

func TestIsWorkingDayUsesChinaCalendarDay(t *testing.T) {
	c := DefaultCalendar()
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"UTC evening before is already Spring Festival in China", time.Date(2025, 1, 27, 16, 0, 0, 0, time.UTC), false},
		{"UTC just before is still Monday in China", time.Date(2025, 1, 27, 15, 59, 59, 0, time.UTC), true},
		{"make-up Sunday", at(t, "2025-01-26 23:59"), true},
		{"ordinary Saturday", at(t, "2025-03-01 09:00"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, c.IsWorkingDay(tc.at))
		})
	}
}

func TestCoveredYears(t *testing.T) {
	first, last := DefaultCalendar().CoveredYears()
	require.LessOrEqual(t, first, 2024)
	require.GreaterOrEqual(t, last, 2027)
}

func TestAddWorkingDays(t *testing.T) {
	c := DefaultCalendar()
	for _, tc := range []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"低保 case over Spring Festival 2025", at(t, "2025-01-20 10:30"), 30, date(t, "2025-03-08")},
		{"低保 case over National Day 2026", at(t, "2026-09-15 16:00"), 30, date(t, "2026-11-03")},
		{"Friday before make-up Sunday", at(t, "2025-01-24 09:00"), 1, date(t, "2025-01-27")},
		{"eve of Spring Festival jumps the holiday", at(t, "2025-01-27 09:00"), 1, date(t, "2025-02-06")},
		{"submitted on a holiday", at(t, "2025-01-28 09:00"), 1, date(t, "2025-02-06")},
		{"five days across Spring Festival", at(t, "2025-01-27 09:00"), 5, date(t, "2025-02-11")},
		{"ten days across National Day 2026", at(t, "2026-09-30 09:00"), 10, date(t, "2026-10-21")},
		{"plain weekend", at(t, "2026-09-18 09:00"), 1, date(t, "2026-09-21")},
		{"start given in UTC counts its China day", time.Date(2025, 1, 23, 17, 0, 0, 0, time.UTC), 1, date(t, "2025-01-27")},
		{"zero returns start", at(t, "2025-01-20 10:30"), 0, at(t, "2025-01-20 10:30")},
		{"negative returns start", at(t, "2025-01-20 10:30"), -3, at(t, "2025-01-20 10:30")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddWorkingDays(tc.start, tc.n)
			require.True(t, tc.want.Equal(got), "want %s, got %s", tc.want, got)
			if tc.n > 0 {
				// The deadline is the first instant after the n-th working day.
				require.Equal(t, tc.n, c.WorkingDaysBetween(tc.start, got.Add(-time.Nanosecond)))
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := DefaultCalendar()
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"all of 2025", date(t, "2024-12-31"), date(t, "2025-12-31"), 248},
		{"all of 2026", date(t, "2025-12-31"), date(t, "2026-12-31"), 248},
		{"across Spring Festival 2025", at(t, "2025-01-24 18:00"), at(t, "2025-02-10 08:00"), 7},
		{"inside Spring Festival 2025", at(t, "2025-01-27 18:00"), at(t, "2025-02-04 23:59"), 0},
		{"across National Day 2026", at(t, "2026-09-30 12:00"), at(t, "2026-10-12 12:00"), 4},
		{"same day", at(t, "2025-03-03 08:00"), at(t, "2025-03-03 18:00"), 0},
		{"to before from", at(t, "2025-03-10 08:00"), at(t, "2025-03-03 08:00"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, c.WorkingDaysBetween(tc.from, tc.to))
		})
	}
}

func TestRegionOverrides(t *testing.T) {
	c, err := NewCalendar([]CalendarOverride{
		{Region: "430000", Workdays: []string{"2025-10-08"}},
		{Region: "430700", Holidays: []string{"2025-03-03", "2025-03-10"}},
		{Region: "430721", Workdays: []string{"2025-03-10", "2025-03-08"}, Holidays: []string{"2025-10-08"}},
	})
	require.NoError(t, err)
	county := []string{"430000", "430700", "430721"}
	village := []string{"430000", "430700", "430721", "430721100", "430721100201"}
	sibling := []string{"430000", "430700", "430702"}
	other := []string{"440000", "440100"}
	for _, tc := range []struct {
		name  string
		day   string
		chain []string
		want  bool
	}{
		{"city holiday reaches its county", "2025-03-03", county, false},
		{"city holiday reaches a village below", "2025-03-03", village, false},
		{"city holiday reaches a sibling county", "2025-03-03", sibling, false},
		{"city holiday stays out of another province", "2025-03-03", other, true},
		{"no chain is national", "2025-03-03", nil, true},
		{"county workday beats city holiday", "2025-03-10", county, true},
		{"county workday is inherited by its village", "2025-03-10", village, true},
		{"sibling county keeps the city holiday", "2025-03-10", sibling, false},
		{"county works a Saturday", "2025-03-08", county, true},
		{"sibling does not work that Saturday", "2025-03-08", sibling, false},
		{"province works a national holiday", "2025-10-08", sibling, true},
		{"county keeps it off again", "2025-10-08", county, false},
		{"national holiday elsewhere", "2025-10-08", other, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, c.IsWorkingDay(date(t, tc.day), tc.chain...))
		})
	}

	// Regional days feed deadlines too: from Fri 2025-03-07, the county works Sat 03-08.
	require.True(t, date(t, "2025-03-09").Equal(c.AddWorkingDays(at(t, "2025-03-07 10:00"), 1, county...)))
	require.True(t, date(t, "2025-03-12").Equal(c.AddWorkingDays(at(t, "2025-03-07 10:00"), 1, sibling...)))
	require.Equal(t, 6, c.WorkingDaysBetween(date(t, "2025-03-07"), date(t, "2025-03-14"), county...))
	require.Equal(t, 4, c.WorkingDaysBetween(date(t, "2025-03-07"), date(t, "2025-03-14"), sibling...))
}

func TestNewCalendarRejectsBadOverrides(t *testing.T) {
	for _, tc := range []struct {
		name     string
		override CalendarOverride
		inError  string
	}{
		{"month 13", CalendarOverride{Region: "430721", Holidays: []string{"2025-13-01"}}, `"2025-13-01"`},
		{"February 30", CalendarOverride{Region: "430721", Workdays: []string{"2025-02-30"}}, `"2025-02-30"`},
		{"slashes", CalendarOverride{Region: "430721", Holidays: []string{"2025/03/03"}}, `"2025/03/03"`},
		{"no zero padding", CalendarOverride{Region: "430721", Holidays: []string{"2025-3-3"}}, `"2025-3-3"`},
		{"clock time", CalendarOverride{Region: "430721", Holidays: []string{"2025-03-03 08:00"}}, `"2025-03-03 08:00"`},
		{"empty date", CalendarOverride{Region: "430721", Workdays: []string{""}}, `""`},
		{"empty region", CalendarOverride{Holidays: []string{"2025-03-03"}}, "without a region"},
		{"holiday and workday", CalendarOverride{Region: "430721", Holidays: []string{"2025-03-03"}, Workdays: []string{"2025-03-03"}}, "both a holiday and a working day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := CalendarOverride{Region: "430700", Holidays: []string{"2025-03-04"}}
			c, err := NewCalendar([]CalendarOverride{good, tc.override})
			require.Nil(t, c)
			require.ErrorContains(t, err, tc.inError)
			if tc.override.Region != "" {
				require.ErrorContains(t, err, tc.override.Region)
			}
		})
	}
}

func TestNewCalendarWithoutOverridesIsDefault(t *testing.T) {
	c, err := NewCalendar(nil)
	require.NoError(t, err)
	require.Equal(t, DefaultCalendar(), c)
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := DefaultCalendar()
	start := at(b, "2025-01-20 10:30")
	chain := []string{"430000", "430700", "430721"}
	for b.Loop() {
		c.AddWorkingDays(start, 30, chain...)
	}
}

func BenchmarkDefaultCalendar(b *testing.B) {
	for b.Loop() {
		DefaultCalendar()
	}
}

func TestParseCalendar(t *testing.T) {
	c, err := ParseCalendar([]byte(`[{"Region":"430721","Holidays":["2026-03-03"],"Workdays":[]}]`))
	require.NoError(t, err)
	day := time.Date(2026, 3, 3, 12, 0, 0, 0, time.FixedZone("CST", 8*3600)) // a Tuesday
	require.False(t, c.IsWorkingDay(day, "430000", "430700", "430721", "430721100"))
	require.True(t, c.IsWorkingDay(day, "430000", "430700", "430722"))
	_, err = ParseCalendar([]byte(`[{"Region":"430721","Holiday":["2026-03-03"]}]`))
	require.ErrorContains(t, err, "unknown field")
	_, err = ParseCalendar([]byte(`[{"Region":"430721","Holidays":["2026-13-03"]}]`))
	require.ErrorContains(t, err, "2026-13-03")
}
