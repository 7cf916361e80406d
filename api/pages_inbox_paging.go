package api

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// inboxPager is the inbox page's paging: links to the first, previous and
// next page of the same view and filters, each a plain GET address, so a
// page can be bookmarked, reloaded and opened in a new tab.
type inboxPager struct {
	First, Prev, Next string // empty when there is no such page
	// Number is the page's number, 0 when the way back was cut short.
	Number int
}

// maxTrail bounds how many pages back the "previous" link remembers.
const maxTrail = 100

// firstPage stands for the first page in a trail: it has no cursor.
const firstPage = "0"

// inboxPaging builds the paging links of the inbox page from its address
// and the store's next cursor (0 on the last page).
//
// The cursor is the JSON API's (GET /api/v1/tasks, "cursor"): keyset paging
// that only goes forward. The way back travels in the address instead of
// in server state: "back" lists the cursors of the pages before this one,
// oldest first, "0" for the first page, and each "next" link appends the
// current page's cursor to it.
func inboxPaging(c *fiber.Ctx, next int64) (inboxPager, error) {
	keep := url.Values{}
	for _, k := range []string{"view", "program", "region", "stage", "limit"} {
		if v := c.Query(k); v != "" {
			keep.Set(k, v)
		}
	}
	trail, err := readTrail(c.Query("back"))
	if err != nil {
		return inboxPager{}, err
	}
	cur := c.Query("cursor")
	if cur == "" {
		cur = firstPage
	}
	var pg inboxPager
	if cur != firstPage {
		pg.First = pageURL(keep, firstPage, nil)
	}
	if n := len(trail); n > 0 {
		pg.Prev = pageURL(keep, trail[n-1], trail[:n-1])
	}
	if next != 0 {
		forward := append(append([]string{}, trail...), cur)
		if len(forward) > maxTrail {
			forward = forward[len(forward)-maxTrail:]
		}
		pg.Next = pageURL(keep, *cursor(next), forward)
	}
	if cur == firstPage || (len(trail) > 0 && trail[0] == firstPage) {
		pg.Number = len(trail) + 1
	}
	return pg, nil
}

// readTrail parses "back": cursors as the API writes them, separated by
// dots, "0" for the first page.
func readTrail(raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	parts := strings.Split(raw, ".")
	if len(parts) > maxTrail {
		return nil, badField("back", "is not a trail this page wrote")
	}
	for _, p := range parts {
		if n, err := strconv.ParseInt(p, 36, 64); err != nil || n < 0 || (n == 0 && p != firstPage) {
			return nil, badField("back", "is not a trail this page wrote")
		}
	}
	return parts, nil
}

// pageURL is the inbox address of one page: the kept view and filters,
// the page's cursor (none for the first page) and its trail.
func pageURL(keep url.Values, cursor string, trail []string) string {
	v := url.Values{}
	for k, vs := range keep {
		v[k] = vs
	}
	if cursor != firstPage {
		v.Set("cursor", cursor)
	}
	if len(trail) > 0 {
		v.Set("back", strings.Join(trail, "."))
	}
	if len(v) == 0 {
		return "/inbox"
	}
	return "/inbox?" + v.Encode()
}
