package api

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
)

var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// openapi serves an OpenAPI 3.1 document built from the route table, so
// the document cannot drift from the routes.
func (s *Server) openapi(c *fiber.Ctx) error {
	paths := map[string]map[string]any{}
	for _, r := range s.routes {
		p := pathParam.ReplaceAllString(r.path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     r.summary,
			"operationId": strings.ToLower(r.method) + strings.ReplaceAll(pathParam.ReplaceAllString(r.path, "by_$1"), "/", "_"),
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK"},
				"default": map[string]any{"description": "Problem", "content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}},
			},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if !r.access.public {
			op["security"] = []any{map[string]any{"bearer": []any{}}}
		}
		paths[p][strings.ToLower(r.method)] = op
	}
	return c.JSON(fiber.Map{
		"openapi": "3.1.0",
		"info":    fiber.Map{"title": "assistflow API", "version": "1"},
		"paths":   paths,
		"components": fiber.Map{
			"securitySchemes": fiber.Map{"bearer": fiber.Map{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas": fiber.Map{"Problem": fiber.Map{"type": "object", "properties": fiber.Map{
				"type": fiber.Map{"type": "string"}, "title": fiber.Map{"type": "string"}, "status": fiber.Map{"type": "integer"},
				"detail": fiber.Map{"type": "string"}, "instance": fiber.Map{"type": "string"},
				"errors": fiber.Map{"type": "array", "items": fiber.Map{"type": "object", "properties": fiber.Map{
					"field": fiber.Map{"type": "string"}, "message": fiber.Map{"type": "string"}}}}}}},
		},
	})
}
