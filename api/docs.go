package api

import (
	"bytes"
	"html/template"

	"github.com/gofiber/fiber/v2"
)

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>assistflow API 文档 / API reference</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
code{background:#f4f4f4;padding:0 .2rem}.m{font-weight:600;width:4rem}
</style></head><body>
<h1>assistflow API</h1>
<p>接口以 JSON 交互，路径前缀 <code>/api/v1</code>。先调用 <code>POST /api/v1/auth/login</code> 获取令牌，之后在请求头携带
<code>Authorization: Bearer &lt;token&gt;</code>。错误以 RFC 9457 <code>application/problem+json</code> 返回，校验错误列出出错字段。
完整机器可读描述见 <a href="/openapi.json">/openapi.json</a>（OpenAPI 3.1）。</p>
<p lang="en">JSON over HTTP under <code>/api/v1</code>. Sign in with <code>POST /api/v1/auth/login</code> and send the token as a
bearer token. Errors are RFC 9457 problem documents; validation errors list the offending fields. The machine-readable
description is <a href="/openapi.json">/openapi.json</a>.</p>
<table><thead><tr><th>方法 Method</th><th>路径 Path</th><th>说明 Summary</th><th>认证 Auth</th></tr></thead><tbody>
{{range .}}<tr><td class="m">{{.Method}}</td><td><code>{{.Path}}</code></td><td>{{.Summary}}</td><td>{{if .Public}}—{{else}}Bearer{{end}}</td></tr>
{{end}}</tbody></table></body></html>`))

// docs renders the route table as a readable page.
func (s *Server) docs(c *fiber.Ctx) error {
	type row struct {
		Method, Path, Summary string
		Public                bool
	}
	rows := make([]row, 0, len(s.routes))
	for _, r := range s.routes {
		rows = append(rows, row{r.method, r.path, r.summary, r.access.public})
	}
	var buf bytes.Buffer
	if err := docsPage.Execute(&buf, rows); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}
