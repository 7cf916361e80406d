package main

import "testing"

// TestBefore: the order decides which vulnerabilities govulncheck fetches
// for a module, so a wrong answer hides a finding.
func TestBefore(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "0.1.0", true}, {"0.1.0", "", false}, {"1.2.3", "1.2.10", true}, {"1.10.0", "1.9.9", false},
		{"1.0.0-alpha", "1.0.0", true}, {"1.0.0", "1.0.0-alpha", false}, {"1.0.0-alpha.2", "1.0.0-alpha.10", true},
		{"1.0.0-alpha.1", "1.0.0-beta", true}, {"1.0.0-1", "1.0.0-alpha", true}, {"1.0.0-alpha", "1.0.0-alpha.1", true},
		{"1.11.0-alpha.0.0.20260225185322-738bad662b20", "1.11.0", true}, {"1.2.3+build", "1.2.3", false},
	} {
		if got := before(tc.a, tc.b); got != tc.want {
			t.Errorf("before(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
