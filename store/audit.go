package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AuditEvent is an append-only record of who did what to which object.
// Chain, Seq, PrevHash and Hash place it in its region's hash chain; they
// are set by Audit, never by the caller.
type AuditEvent struct {
	ID         int64     `json:"id"`
	EventKey   string    `json:"-"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id,omitempty"`
	Action     string    `json:"action"`
	Object     string    `json:"object"`
	RegionPath string    `json:"-"`
	Detail     JSON      `json:"detail"`
	Chain      string    `json:"chain"`
	Seq        int64     `json:"seq"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// auditHead is the last link of one chain.
type auditHead struct {
	Chain string `gorm:"primaryKey"`
	Seq   int64
	Hash  string
}

// chainLevels is how many codes of a region path name its chain: province,
// city, county. A county is the unit that audits its own officials, and
// one chain per county keeps appends from different counties apart.
const chainLevels = 3

// ChainOf names the audit chain of a region path: its county-level prefix,
// or "" (the national chain) for events outside any region.
func ChainOf(regionPath string) string {
	if regionPath == "" {
		return ""
	}
	codes := PathCodes(regionPath)
	if len(codes) > chainLevels {
		codes = codes[:chainLevels]
	}
	return strings.Join(codes, "/") + "/"
}

// Audit appends an audit event to its region's chain, once per EventKey: a
// retried activity or request re-appending the same key leaves the chain as
// it was. An event about a case or task without a region takes the region
// of that case or task.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	// Both databases keep microseconds; hashing what is stored keeps the
	// hash reproducible from the row.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Detail == nil {
		e.Detail = JSON("{}")
	}
	err := s.tx(ctx, func(tx *gorm.DB) error { return appendAudit(tx, &e) })
	if err != nil && isUniqueViolation(err) {
		return nil // appended concurrently under the same key
	}
	return translate(err)
}

// appendAudit links e after its chain's head and moves the head, holding
// the head row locked (PostgreSQL) or the database's single write lock
// (SQLite) until the transaction commits: lockHead, then the event's
// insert, which does nothing for a key already stored (a retry) and then
// leaves the head alone, then the head's move.
func appendAudit(tx *gorm.DB, e *AuditEvent) error {
	if e.RegionPath == "" {
		e.RegionPath = objectRegion(tx, e.Object)
	}
	e.Chain = ChainOf(e.RegionPath)
	head, err := lockHead(tx, e.Chain)
	if err != nil {
		return err
	}
	e.Seq, e.PrevHash = head.Seq+1, head.Hash
	h, err := e.chainHash()
	if err != nil {
		return err
	}
	e.Hash = h
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).Create(e)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return tx.Model(&auditHead{}).Where("chain = ?", e.Chain).
		Updates(map[string]any{"seq": e.Seq, "hash": e.Hash}).Error
}

// lockHead returns a chain's head, created at sequence 0 if the chain is
// new. On PostgreSQL one upsert creates the head or locks the existing row
// as SELECT … FOR UPDATE would. On SQLite the transaction already holds the
// database's only write lock, and an upsert there is compiled as a
// statement that may abort halfway, which costs a statement journal; an
// insert that skips an existing key and a read cost none.
func lockHead(tx *gorm.DB, chain string) (auditHead, error) {
	var head auditHead
	if tx.Dialector.Name() != "sqlite" {
		err := tx.Raw(`INSERT INTO audit_heads (chain, seq, hash) VALUES (?, 0, '')
		ON CONFLICT (chain) DO UPDATE SET chain = excluded.chain RETURNING chain, seq, hash`, chain).
			Scan(&head).Error
		return head, err
	}
	err := tx.Exec(`INSERT INTO audit_heads (chain, seq, hash) VALUES (?, 0, '') ON CONFLICT (chain) DO NOTHING`,
		chain).Error
	if err != nil {
		return head, err
	}
	return head, tx.Raw(`SELECT chain, seq, hash FROM audit_heads WHERE chain = ?`, chain).Scan(&head).Error
}

// objectRegion finds the region of a "case/N" or "task/N" object.
func objectRegion(tx *gorm.DB, object string) string {
	kind, id, ok := strings.Cut(object, "/")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil {
		return ""
	}
	table := map[string]string{"case": "cases", "task": "tasks"}[kind]
	if table == "" {
		return ""
	}
	var path string
	if tx.Table(table).Select("region_path").Where("id = ?", n).Scan(&path).Error != nil {
		return ""
	}
	return path
}

// canonical is the stable encoding an event's hash covers: the fields that
// say what happened, with keys sorted (encoding/json sorts map keys), the
// time in UTC RFC 3339 and the detail re-encoded from its parsed form. The
// row id is left out, so a chain can be checked after a dump and restore.
func (e AuditEvent) canonical() ([]byte, error) {
	var detail any
	dec := json.NewDecoder(bytes.NewReader(e.Detail))
	dec.UseNumber()
	if err := dec.Decode(&detail); err != nil {
		return nil, err
	}
	var actor any
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	return json.Marshal(map[string]any{
		"chain": e.Chain, "seq": e.Seq, "key": e.EventKey,
		"at": e.At.UTC().Format(time.RFC3339Nano), "actor": actor, "action": e.Action,
		"object": e.Object, "region": e.RegionPath, "detail": detail,
	})
}

// chainHash is hex(SHA-256(prev_hash ‖ canonical event)).
func (e AuditEvent) chainHash() (string, error) {
	c, err := e.canonical()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(e.PrevHash), c...))
	return hex.EncodeToString(sum[:]), nil
}

// chainUnlinked links events stored before the chain existed (seq 0), in
// id order. Migrate runs it; it does nothing once every event is linked.
func (s *Store) chainUnlinked(ctx context.Context) error {
	var old []AuditEvent
	if err := s.db.WithContext(ctx).Where("seq = 0").Order("id").Find(&old).Error; err != nil {
		return err
	}
	for _, e := range old {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			if err := tx.Delete(&AuditEvent{}, e.ID).Error; err != nil {
				return err
			}
			e.At = e.At.UTC().Truncate(time.Microsecond)
			return appendAudit(tx, &e)
		})
		if err != nil {
			return errors.Join(errors.New("store: chain old audit events"), err)
		}
	}
	return nil
}
