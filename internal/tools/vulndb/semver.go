package main

import (
	"strconv"
	"strings"
)

// before reports whether OSV version a (no "v" prefix) sorts before b by
// semantic versioning; "" sorts before everything.
func before(a, b string) bool {
	if a == "" {
		return b != ""
	}
	if b == "" {
		return false
	}
	return compare(a, b) < 0
}

// compare orders two semantic versions: major.minor.patch numerically,
// then a version with a pre-release before the same version without one,
// then pre-release identifiers one by one (numbers before words). Build
// metadata is ignored.
func compare(a, b string) int {
	a, _, _ = strings.Cut(a, "+")
	b, _, _ = strings.Cut(b, "+")
	coreA, preA, hasPreA := strings.Cut(a, "-")
	coreB, preB, hasPreB := strings.Cut(b, "-")
	if c := compareDotted(coreA, coreB, true); c != 0 {
		return c
	}
	switch {
	case !hasPreA && !hasPreB:
		return 0
	case !hasPreA:
		return 1
	case !hasPreB:
		return -1
	}
	return compareDotted(preA, preB, false)
}

// compareDotted compares dot-separated identifiers; in a core version the
// missing parts count as 0.
func compareDotted(a, b string, core bool) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		if i >= len(pa) || i >= len(pb) {
			if core {
				x, y := part(pa, i), part(pb, i)
				if c := compareIdent(x, y); c != 0 {
					return c
				}
				continue
			}
			if i >= len(pa) {
				return -1
			}
			return 1
		}
		if c := compareIdent(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return 0
}

func part(p []string, i int) string {
	if i < len(p) {
		return p[i]
	}
	return "0"
}

// compareIdent: numeric identifiers compare as numbers and sort before
// alphanumeric ones, which compare as text.
func compareIdent(x, y string) int {
	nx, errX := strconv.ParseUint(x, 10, 64)
	ny, errY := strconv.ParseUint(y, 10, 64)
	switch {
	case errX == nil && errY == nil:
		return cmpInt(nx, ny)
	case errX == nil:
		return -1
	case errY == nil:
		return 1
	}
	return strings.Compare(x, y)
}

func cmpInt(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
