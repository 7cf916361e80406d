package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRoutesNoticeBoard covers objections, the notice board and
// attachments. The notice lasts ten minutes, so a case stays on it.
func TestRoutesNoticeBoard(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer", "village_committee")
	posted := r.submitCase(t, "applicant", "monitoring", village1, "notice-1")
	tk := r.waitTask(t, "village_officer", posted.ID, "home_check")
	r.ok(t, http.StatusOK, r.decide(t, "village_officer", tk.ID, map[string]string{"action": "approve"}), nil)
	tk = r.waitTask(t, "village_committee", posted.ID, "village_appraisal")
	var c caseView
	r.ok(t, http.StatusOK, r.decide(t, "village_committee", tk.ID, map[string]string{"action": "approve"}), &c)
	require.Equal(t, "in_notice", c.Status)
	review := r.submitCase(t, "applicant", "monitoring", village1, "review-1")
	r.waitStage(t, "applicant", review.ID, "home_check")

	t.Run("objections", func(t *testing.T) { checkObjections(t, r, posted.ID, review.ID) })
	t.Run("notices", func(t *testing.T) { checkNotices(t, r, posted.ID, review.ID) })
	t.Run("attachments", func(t *testing.T) { checkAttachments(t, r, review.ID, posted.ID) })
}

func checkObjections(t *testing.T, r *routes, posted, review int64) {
	url := caseURL(posted, "/objections")
	reason := map[string]any{"reason": "该户儿子在外务工收入较高", "anonymous": true}
	state := func(t *testing.T) []string { return r.snapshot(t, posted, "applicant", "village_committee") }
	requireRejected(t, r, "POST", state, []rejection{
		{"case not in notice", "applicant2", caseURL(review, "/objections"), reason, http.StatusNotFound, nil},
		{"no such case", "applicant2", caseURL(99999999, "/objections"), reason, http.StatusNotFound, nil},
		{"id not a number", "applicant2", "/api/v1/cases/abc/objections", reason, http.StatusNotFound, nil},
		{"empty reason", "applicant2", url, map[string]any{"reason": ""}, http.StatusUnprocessableEntity, []string{"reason"}},
		{"reason too long", "applicant2", url, map[string]any{"reason": longText(2001)}, http.StatusUnprocessableEntity, []string{"reason"}},
		{"unknown field", "applicant2", url, map[string]any{"reason": "x", "name": "y"}, http.StatusUnprocessableEntity, []string{"name"}},
		{"not JSON", "applicant2", url, rawBody{"text/plain", []byte("收入较高")}, http.StatusUnsupportedMediaType, nil},
		{"by the applicant", "applicant", url, reason, http.StatusForbidden, nil},
	})
	var obj struct {
		ObjectionID int64  `json:"objection_id"`
		CaseID      int64  `json:"case_id"`
		Status      string `json:"status"`
	}
	r.ok(t, http.StatusCreated, r.send(t, "POST", url, "applicant2", reason), &obj)
	require.Positive(t, obj.ObjectionID)
	require.Equal(t, posted, obj.CaseID)
	require.Equal(t, "open", obj.Status)
	tk := r.waitTask(t, "village_committee", posted, "notice")
	require.Contains(t, tk.Actions, "dismiss")
	require.Equal(t, "in_notice", r.getCase(t, "applicant", posted).Status)
}

func checkNotices(t *testing.T, r *routes, posted, review int64) {
	for _, tc := range []struct{ name, query string }{
		{"no region", ""}, {"empty region", "region="}, {"unknown region", "region=999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", "/api/v1/notices?"+tc.query, "applicant2", nil),
				http.StatusUnprocessableEntity, "region")
		})
	}
	for _, tc := range []struct {
		region string
		want   []int64
	}{{village1, []int64{posted}}, {township, []int64{posted}}, {village2, nil}, {"430722", nil}} {
		t.Run("board of "+tc.region, func(t *testing.T) {
			var board struct {
				Region string `json:"region"`
				Items  []struct {
					CaseID   int64  `json:"case_id"`
					HeadName string `json:"head_name"`
					Region   string `json:"region"`
				} `json:"items"`
			}
			rp := r.send(t, "GET", "/api/v1/notices?region="+tc.region, "applicant2", nil)
			r.ok(t, http.StatusOK, rp, &board)
			require.Equal(t, tc.region, board.Region)
			require.NotNil(t, board.Items, "items is a list, never null: %s", rp.Body)
			var got []int64
			for _, it := range board.Items {
				got = append(got, it.CaseID)
				require.Equal(t, village1, it.Region)
			}
			require.Equal(t, tc.want, got)
			require.NotContains(t, string(rp.Body), "13900001111")
			require.NotContains(t, got, review)
		})
	}
}

type attachmentDoc struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// checkAttachments works on case id; other is another case of the same
// applicant.
func checkAttachments(t *testing.T, r *routes, id, other int64) {
	img := pngBytes(t)
	a := checkUploads(t, r, id, img)
	checkAttachmentReads(t, r, id, other, a, img)
}

// checkUploads: one PNG is stored once however often it is sent; what is
// not accepted stores nothing.
func checkUploads(t *testing.T, r *routes, id int64, img []byte) attachmentDoc {
	var a, again attachmentDoc
	r.ok(t, http.StatusCreated, r.upload(t, "applicant", id, "户口本.png", img), &a)
	require.Equal(t, "image/png", a.ContentType)
	require.Equal(t, int64(len(img)), a.Size)
	require.Equal(t, id, a.CaseID)
	require.Equal(t, "户口本.png", a.Name)
	r.ok(t, http.StatusOK, r.upload(t, "applicant", id, "copy.png", img), &again)
	require.Equal(t, a.ID, again.ID, "the same file again is the same attachment")

	list := func(t *testing.T) []string {
		rp := r.send(t, "GET", caseURL(id, "/attachments"), "applicant", nil)
		require.Equal(t, http.StatusOK, rp.Status)
		return append(r.snapshot(t, id, "applicant", "village_officer"), string(rp.Body))
	}
	before := list(t)
	big := append(append([]byte{}, img...), make([]byte, 10<<20+1-len(img))...)
	for _, tc := range []struct {
		name, user, file string
		data             []byte
		status           int
		fields           []string
	}{
		{"text named .png", "applicant", "scan.png", []byte("just some words, not a picture\n"), http.StatusUnsupportedMediaType, nil},
		{"larger than 10 MB", "applicant", "scan.png", big, http.StatusRequestEntityTooLarge, nil},
		{"another applicant", "applicant2", "scan.png", img, http.StatusNotFound, nil},
		{"name too long", "applicant", strings.Repeat("a", 197) + ".png", img, http.StatusUnprocessableEntity, []string{"file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.upload(t, tc.user, id, tc.file, tc.data), tc.status, tc.fields...)
			require.Equal(t, before, list(t))
		})
	}
	t.Run("no file field", func(t *testing.T) {
		rp := r.send(t, "POST", caseURL(id, "/attachments"), "applicant", map[string]string{"file": "x"})
		requireProblem(t, rp, http.StatusUnprocessableEntity, "file")
		require.Equal(t, before, list(t))
	})
	return a
}

func checkAttachmentReads(t *testing.T, r *routes, id, other int64, a attachmentDoc, img []byte) {
	t.Run("list", func(t *testing.T) {
		for _, u := range []string{"applicant", "village_officer"} {
			var l struct{ Items []attachmentDoc }
			r.ok(t, http.StatusOK, r.send(t, "GET", caseURL(id, "/attachments"), u, nil), &l)
			require.Equal(t, []attachmentDoc{a}, l.Items)
		}
	})
	t.Run("download", func(t *testing.T) {
		for _, u := range []string{"applicant", "village_officer"} {
			rp := r.send(t, "GET", caseURL(id, fmt.Sprintf("/attachments/%d", a.ID)), u, nil)
			require.Equal(t, http.StatusOK, rp.Status)
			require.Equal(t, "image/png", rp.Header.Get("Content-Type"))
			require.Equal(t, "nosniff", rp.Header.Get("X-Content-Type-Options"))
			require.Contains(t, rp.Header.Get("Content-Disposition"), "attachment")
			require.Equal(t, img, rp.Body)
		}
	})
	for _, tc := range []struct{ name, user, path string }{
		{"list by another applicant", "applicant2", caseURL(id, "/attachments")},
		{"download by another applicant", "applicant2", caseURL(id, fmt.Sprintf("/attachments/%d", a.ID))},
		{"no such attachment", "applicant", caseURL(id, "/attachments/99999999")},
		{"attachment id not a number", "applicant", caseURL(id, "/attachments/abc")},
		{"attachment of another case", "applicant", caseURL(other, fmt.Sprintf("/attachments/%d", a.ID))},
		{"case id not a number", "applicant", fmt.Sprintf("/api/v1/cases/abc/attachments/%d", a.ID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", tc.path, tc.user, nil), http.StatusNotFound)
		})
	}
}
