package web

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// Both languages carry the same keys: a page never shows a raw key or
// falls back to Chinese in the English view.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	zhKeys, enKeys := Keys(LangZh), Keys(LangEn)
	slices.Sort(zhKeys)
	slices.Sort(enKeys)
	require.Equal(t, zhKeys, enKeys)
	for _, k := range zhKeys {
		require.NotEmpty(t, T(LangZh, k), k)
		require.NotEmpty(t, T(LangEn, k), k)
	}
}

// Every literal key a template asks for exists.
func TestTemplatesUseKnownKeys(t *testing.T) {
	literal := regexp.MustCompile(`\{\{[^}]*\bt "([a-z_.0-9]+)"`)
	files, err := fs.Glob(Templates, "templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		body, err := fs.ReadFile(Templates, f)
		require.NoError(t, err)
		for _, m := range literal.FindAllStringSubmatch(string(body), -1) {
			require.True(t, Has(LangZh, m[1]), "%s uses unknown key %q", f, m[1])
		}
	}
}

func TestPick(t *testing.T) {
	for _, tc := range []struct{ cookie, accept, want string }{
		{"", "", LangZh},
		{"", "en-US,en;q=0.9", LangEn},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", LangZh},
		{"", "fr-FR,en;q=0.5", LangEn},
		{"zh-CN", "en", LangZh},
		{"en", "zh-CN", LangEn},
		{"de", "", LangZh},
	} {
		require.Equal(t, tc.want, Pick(tc.cookie, tc.accept), "%+v", tc)
	}
}
