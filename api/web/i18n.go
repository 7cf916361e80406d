package web

import (
	"strings"
)

// Languages the pages speak. zh-CN is the default: it is the language of
// the paperwork and of most users; English is one switch away.
const (
	LangZh = "zh-CN"
	LangEn = "en"
)

// T returns the message key in lang. A key missing in English falls back to
// Chinese, and a key missing everywhere is shown as itself, so a typo is
// visible on the page instead of an empty label (and i18n_test catches it).
func T(lang, key string) string {
	if m, ok := catalogue[lang][key]; ok {
		return m
	}
	if m, ok := catalogue[LangZh][key]; ok {
		return m
	}
	return key
}

// Has reports whether key is in the catalogue of lang.
func Has(lang, key string) bool {
	_, ok := catalogue[lang][key]
	return ok
}

// Keys lists the keys of one language, for the test that both languages
// carry the same keys.
func Keys(lang string) []string {
	out := make([]string, 0, len(catalogue[lang]))
	for k := range catalogue[lang] {
		out = append(out, k)
	}
	return out
}

// Pick chooses the language of a request: the lang cookie set by the
// switch wins; otherwise Accept-Language picks English only when it ranks
// English before any Chinese; otherwise zh-CN.
func Pick(cookie, acceptLanguage string) string {
	switch cookie {
	case LangZh, LangEn:
		return cookie
	}
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return LangZh
		case strings.HasPrefix(tag, "en"):
			return LangEn
		}
	}
	return LangZh
}

// catalogue maps language → key → message. Keys are dotted by page:
// "nav.*" for the layout, "login.*", "apply.*", "case.*", "inbox.*"; shared
// words sit under "common.*".
var catalogue = map[string]map[string]string{LangZh: zh, LangEn: en}
