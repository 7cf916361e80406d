// Package store is the application database: GORM models and the queries
// over them, on SQLite (one machine) or PostgreSQL (scale-out).
//
// It is the only package that holds a *gorm.DB, and it owns the error
// vocabulary that callers map to HTTP (ErrNotFound, ErrConflict, ErrInvalid).
// It must not import api, activities, workflows, Temporal or Fiber.
package store
