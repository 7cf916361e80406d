package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// Each page answers each demo role as its declared access says: a page a
// role may not use is a 403 page, and its link is not in that role's nav.
func TestPagesAnswerEachRoleByItsAccess(t *testing.T) {
	s := newTestServer(t, nil)
	for _, tc := range []struct {
		user string
		want map[string]int
	}{
		{"applicant", map[string]int{"/my/cases": 200, "/apply": 200, "/notices": 200, "/inbox": 403}},
		{"village_officer", map[string]int{"/my/cases": 403, "/apply": 200, "/notices": 200, "/inbox": 200}},
		{"township_approver", map[string]int{"/my/cases": 403, "/apply": 403, "/notices": 200, "/inbox": 200}},
		{"county_approver", map[string]int{"/my/cases": 403, "/apply": 403, "/notices": 200, "/inbox": 200}},
		{"auditor", map[string]int{"/my/cases": 403, "/apply": 403, "/inbox": 200}},
		{"admin", map[string]int{"/my/cases": 403, "/apply": 403, "/notices": 200, "/inbox": 403}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := newBrowser(t, s)
			b.signIn(tc.user)
			for path, want := range tc.want {
				p := b.get(path)
				require.Equal(t, want, p.status, "%s %s", tc.user, path)
				require.Contains(t, p.header.Get("Content-Type"), "text/html")
				if want == 200 {
					require.Contains(t, p.body, fmt.Sprintf(`<a href="%s" aria-current="page">`, path), "the nav marks the page")
				} else {
					require.NotContains(t, p.body, fmt.Sprintf(`<a href="%s"`, path), "no link to a page the role may not use")
				}
			}
		})
	}
}

func TestUploadThroughTheCasePage(t *testing.T) {
	s := newTestServer(t, nil)
	c := storedCase(t, s, "钱七", testIDNumber(t))
	b := newBrowser(t, s)
	b.signIn("applicant")
	casePage := b.get(fmt.Sprintf("/cases/%d", c.ID))
	require.Contains(t, casePage.body, `enctype="multipart/form-data"`)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

	upload := func(token, name string, data []byte) page {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		if token != "" {
			require.NoError(t, w.WriteField("_csrf", token))
		}
		f, err := w.CreateFormFile("file", name)
		require.NoError(t, err)
		_, _ = f.Write(data)
		require.NoError(t, w.Close())
		req := httptest.NewRequest("POST", fmt.Sprintf("/cases/%d/files", c.ID), &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return b.do(req)
	}
	require.Equal(t, http.StatusForbidden, upload("", "证明.png", png).status, "multipart forms need the token too")
	require.Equal(t, http.StatusUnsupportedMediaType, upload(casePage.csrf(t), "notes.txt", []byte("plain text")).status)

	p := upload(casePage.csrf(t), "证明.png", png)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	after := b.get(fmt.Sprintf("/cases/%d", c.ID))
	require.Contains(t, after.body, "材料已上传")
	require.Contains(t, after.body, "证明.png")

	as, err := s.store.Attachments(t.Context(), c.ID)
	require.NoError(t, err)
	require.Len(t, as, 1)
	file := b.get(fmt.Sprintf("/cases/%d/files/%d", c.ID, as[0].ID))
	require.Equal(t, http.StatusOK, file.status)
	require.Equal(t, "image/png", file.header.Get("Content-Type"))
	require.Equal(t, string(png), file.body)

	// Another village's applicant cannot fetch it.
	other := newBrowser(t, s)
	other.signIn("applicant2")
	require.Equal(t, http.StatusNotFound, other.get(fmt.Sprintf("/cases/%d/files/%d", c.ID, as[0].ID)).status)
}
