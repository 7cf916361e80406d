package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/assistflow/assistflow/process"
	"github.com/gofiber/fiber/v2"
)

// diagram draws one published version, so an administrator (or a county
// leader reading a proposal) can check a chain without reading YAML.
func (s *Server) diagram(c *fiber.Ctx) error {
	_, d, err := s.storedVersion(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	return c.Send(diagramSVG(d))
}

// Role and level names as the officials know them.
var (
	roleNames = map[string]string{
		process.RoleVillageOfficer: "村级经办", process.RoleVillageCommittee: "村委会",
		process.RoleTownshipClerk: "乡镇经办", process.RoleTownshipApprover: "乡镇审批",
		process.RoleCountyChecker: "县级复核", process.RoleCountyApprover: "县级审批",
	}
	levelNames = map[string]string{"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}
	kindFills  = map[string]string{process.KindReview: "#e8f0fe", process.KindAppraisal: "#e6f4ea",
		process.KindNotice: "#fef7e0", process.KindDataCheck: "#f3e8fd", process.KindParallel: "#f8f9fa"}
)

// Layout, in pixels: stages stack top to bottom on one column; return
// arrows run in lanes on the left, rejections end on the right.
const (
	boxH, gapY, laneW, pad = 64.0, 56.0, 16.0, 16.0
	fontSize               = 14.0
)

// row is one top-level stage placed on the page.
type row struct {
	st   process.Stage
	y, w float64 // top edge and width
	h    float64
}

// svgDiagram accumulates the drawing; nothing in it depends on the clock
// or map order, so the same version always draws the same bytes.
type svgDiagram struct {
	b                    bytes.Buffer
	boxW, cx, left, maxW float64
	rows                 []row
}

// diagramSVG renders d as a self-contained SVG document; every text from
// the definition is escaped, since names and conditions are free text.
func diagramSVG(d process.Definition) []byte {
	g := &svgDiagram{boxW: 200}
	bottom := g.layout(d)
	width, height := g.left+g.maxW+180, bottom+40+24
	fmt.Fprintf(&g.b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif" font-size="%.0f">`+"\n",
		width, height, width, height, fontSize)
	g.b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5f6368"/></marker></defs>` + "\n")
	fmt.Fprintf(&g.b, `<title>%s</title>`+"\n", esc(fmt.Sprintf("%s v%d", d.Name.String(), d.Version)))
	g.terminal(g.cx, 24+20, "开始 · "+d.Name.String())
	prevBottom := 24 + 40.0
	for i, r := range g.rows {
		g.line(g.cx, prevBottom, g.cx, r.y, flowLabel(d.Stages, i))
		g.stage(r)
		prevBottom = r.y + r.h
	}
	g.line(g.cx, prevBottom, g.cx, bottom, flowLabel(d.Stages, len(d.Stages)))
	g.terminal(g.cx, bottom+20, "通过 · 办结")
	g.returnArrows(d)
	g.b.WriteString("</svg>\n")
	return g.b.Bytes()
}

// layout sizes the boxes to the longest name, places every stage, and
// returns the y of the end node.
func (g *svgDiagram) layout(d process.Definition) float64 {
	for _, st := range d.Stages {
		for _, t := range append([]process.Stage{st}, st.Branches...) {
			g.boxW = min(max(g.boxW, textWidth(t.Name.String())+2*pad), 360)
		}
	}
	returns := 0
	y := 24 + 40 + gapY // the start node, then the first stage
	for _, st := range d.Stages {
		r := row{st: st, y: y, w: g.boxW, h: boxH}
		if st.Kind == process.KindParallel && len(st.Branches) > 0 {
			r.w = float64(len(st.Branches))*(g.boxW+pad) + pad
			r.h = boxH + 2*pad + 24
		}
		if st.Allows(process.ActionReturn) || anyBranch(st, process.ActionReturn) {
			returns++
		}
		g.maxW = max(g.maxW, r.w)
		g.rows = append(g.rows, r)
		y += r.h + gapY
	}
	g.left = 24 + laneW*float64(returns+1)
	g.cx = g.left + g.maxW/2
	return y
}

// flowLabel names the forward arrow into stage i: what lets the case on.
func flowLabel(stages []process.Stage, i int) string {
	if i == 0 {
		return "提交"
	}
	switch stages[i-1].Kind {
	case process.KindNotice:
		return "公示期满"
	case process.KindDataCheck:
		return "核对完成"
	}
	return "通过"
}

func anyBranch(st process.Stage, action string) bool {
	for _, b := range st.Branches {
		if b.Allows(action) {
			return true
		}
	}
	return false
}

// stage draws one top-level stage and its rejection exit.
func (g *svgDiagram) stage(r row) {
	x := g.cx - r.w/2
	if r.st.Kind == process.KindParallel && len(r.st.Branches) > 0 {
		need := "全部通过"
		if r.st.Require > 0 {
			need = fmt.Sprintf("%d 个通过", r.st.Require)
		}
		g.box(x, r.y, r.w, r.h, r.st.Kind, true, r.st.Name.String()+" · 会签（"+need+"）", "", "")
		for i, b := range r.st.Branches {
			bx := x + pad + float64(i)*(g.boxW+pad)
			by := r.y + pad + 24
			g.line(g.cx, r.y+24, bx+g.boxW/2, by, "")
			g.box(bx, by, g.boxW, boxH, b.Kind, false, b.Name.String(), detail(b), condition(b))
			g.line(bx+g.boxW/2, by+boxH, g.cx, r.y+r.h, "")
		}
	} else {
		g.box(x, r.y, r.w, r.h, r.st.Kind, r.st.Kind == process.KindNotice, r.st.Name.String(), detail(r.st), condition(r.st))
	}
	if r.st.Allows(process.ActionReject) || anyBranch(r.st, process.ActionReject) {
		endX := g.left + g.maxW + 60
		g.line(x+r.w, r.y+r.h/2, endX, r.y+r.h/2, "拒绝")
		g.text(endX+44, r.y+r.h/2+5, "不予通过", "#c5221f", true)
	}
	if r.st.Allows(process.ActionReturnToApplicant) {
		rx, ry := x+r.w-36, r.y
		fmt.Fprintf(&g.b, `<path d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="none" stroke="#5f6368" stroke-dasharray="4 3" marker-end="url(#arrow)"/>`+"\n",
			rx, ry, rx, ry-22, rx+26, ry-22, rx+26, ry)
		g.text(rx+13, ry-26, "退回申请人补正", "#5f6368", false)
	}
}

// detail says who decides a stage, or what it does.
func detail(st process.Stage) string {
	switch st.Kind {
	case process.KindNotice:
		return "公示 " + string(st.Duration)
	case process.KindDataCheck:
		return "数据核对：" + strings.Join(st.Sources, "、")
	}
	role := roleNames[st.Role]
	if role == "" {
		role = st.Role
	}
	return levelNames[st.Level] + " · " + role
}

func condition(st process.Stage) string {
	if st.When == "" {
		return ""
	}
	return "条件：" + st.When
}

// returnTarget is where "return" sends a case from stage i: its return_to,
// or the previous human stage (the workflow's default); -1 if none.
func returnTarget(stages []process.Stage, i int, to string) int {
	for j := i - 1; j >= 0; j-- {
		if (to == "" && stages[j].IsHuman()) || (to != "" && stages[j].ID == to) {
			return j
		}
	}
	return -1
}

// returnArrows draws each "return" as a back arrow in its own lane on the
// left, from the returning stage up to the stage it returns to.
func (g *svgDiagram) returnArrows(d process.Definition) {
	lane := 0
	for i, r := range g.rows {
		to := r.st.ReturnTo
		if !r.st.Allows(process.ActionReturn) {
			if !anyBranch(r.st, process.ActionReturn) {
				continue
			}
			for _, b := range r.st.Branches {
				if b.Allows(process.ActionReturn) && b.ReturnTo != "" {
					to = b.ReturnTo
				}
			}
		}
		lane++
		j := returnTarget(d.Stages, i, to)
		if j < 0 {
			continue
		}
		t := g.rows[j]
		lx := g.left - laneW*float64(lane)
		fx, fy := g.cx-r.w/2, r.y+r.h/2+8
		tx, ty := g.cx-t.w/2, t.y+t.h/2-8
		fmt.Fprintf(&g.b, `<path d="M%.1f,%.1f H%.1f V%.1f H%.1f" fill="none" stroke="#e37400" stroke-dasharray="6 3" marker-end="url(#arrow)"/>`+"\n",
			fx, fy, lx, ty, tx)
		g.text(fx-24, fy-4, "退回", "#e37400", false)
	}
}

func (g *svgDiagram) box(x, y, w, h float64, kind string, dashed bool, name, sub, cond string) {
	fill := kindFills[kind]
	if fill == "" {
		fill = "#ffffff"
	}
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(&g.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="8" fill="%s" stroke="#5f6368"%s/>`+"\n", x, y, w, h, fill, dash)
	fit := func(s string) string { return truncate(s, w-pad) }
	if sub == "" && cond == "" {
		g.text(x+w/2, y+20, fit(name), "#202124", true)
		return
	}
	g.text(x+w/2, y+22, fit(name), "#202124", true)
	g.text(x+w/2, y+40, fit(sub), "#3c4043", false)
	if cond != "" {
		g.text(x+w/2, y+56, fit(cond), "#80868b", false)
	}
}

func (g *svgDiagram) terminal(cx, cy float64, label string) {
	w := min(textWidth(label)+2*pad, g.maxW+g.boxW)
	fmt.Fprintf(&g.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="40" rx="20" fill="#ffffff" stroke="#202124" stroke-width="1.5"/>`+"\n", cx-w/2, cy-20, w)
	g.text(cx, cy+5, truncate(label, w-pad), "#202124", true)
}

// line draws a forward arrow; a vertical one has its label beside it.
func (g *svgDiagram) line(x1, y1, x2, y2 float64, label string) {
	fmt.Fprintf(&g.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#5f6368" marker-end="url(#arrow)"/>`+"\n", x1, y1, x2, y2)
	if label == "" {
		return
	}
	lx, ly := (x1+x2)/2, (y1+y2)/2+4
	if x1 == x2 {
		lx += 30
	} else {
		ly -= 10
	}
	g.text(lx, ly, label, "#5f6368", false)
}

func (g *svgDiagram) text(x, y float64, s, color string, bold bool) {
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	fmt.Fprintf(&g.b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s"%s>%s</text>`+"\n", x, y, color, weight, esc(s))
}

// esc escapes text for XML; characters XML cannot hold become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// textWidth estimates the drawn width: a CJK character is about one em,
// anything else about half.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += fontSize
		} else {
			w += fontSize * 0.6
		}
	}
	return w
}

// truncate shortens s to fit width, marking the cut with an ellipsis.
func truncate(s string, width float64) string {
	if textWidth(s) <= width {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && textWidth(string(rs))+fontSize > width {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}
