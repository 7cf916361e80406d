package store

import (
	"context"
	"fmt"
)

// AuditReport is the outcome of walking every audit chain.
type AuditReport struct {
	Chains []ChainReport
	// Broken is the first link that does not hold, nil when all do.
	Broken *BrokenLink
}

// ChainReport counts one chain's events and gives its head.
type ChainReport struct {
	Chain  string
	Events int64
	Head   string
}

// BrokenLink names where a chain stops proving itself: the event whose
// stored hash or position disagrees with what its predecessors imply.
type BrokenLink struct {
	Chain    string
	Seq      int64
	EventID  int64
	Reason   string
	Expected string
	Stored   string
}

func (b *BrokenLink) Error() string {
	return fmt.Sprintf("audit chain %q broken at seq %d (event %d): %s: expected %s, stored %s",
		b.Chain, b.Seq, b.EventID, b.Reason, b.Expected, b.Stored)
}

// VerifyAudit recomputes every chain from its first event: each event must
// follow its predecessor's seq, carry its hash as prev_hash and hash to
// what it stores; the chain's head must be its last event. An edited event
// breaks at that event; a deleted one at the event after the gap (or at the
// head, when it was the last).
func (s *Store) VerifyAudit(ctx context.Context) (AuditReport, error) {
	var rep AuditReport
	var heads []auditHead
	if err := s.db.WithContext(ctx).Order("chain").Find(&heads).Error; err != nil {
		return rep, translate(err)
	}
	var unlinked AuditEvent
	err := s.db.WithContext(ctx).Where("seq = 0").Order("id").Limit(1).Find(&unlinked).Error
	if err != nil {
		return rep, translate(err)
	}
	if unlinked.ID != 0 {
		rep.Broken = &BrokenLink{Chain: unlinked.Chain, EventID: unlinked.ID, Reason: "event outside any chain",
			Expected: "seq > 0", Stored: "seq 0"}
		return rep, nil
	}
	var headless []string
	err = s.db.WithContext(ctx).Model(&AuditEvent{}).Distinct("chain").
		Where("chain NOT IN (?)", s.db.Model(&auditHead{}).Select("chain")).Limit(1).Pluck("chain", &headless).Error
	if err != nil {
		return rep, translate(err)
	}
	if len(headless) > 0 {
		rep.Broken = &BrokenLink{Chain: headless[0], Seq: 1, Reason: "chain head deleted",
			Expected: "a row in audit_heads", Stored: "none"}
		return rep, nil
	}
	for _, h := range heads {
		cr, broken, err := s.verifyChain(ctx, h)
		if err != nil {
			return rep, err
		}
		rep.Chains = append(rep.Chains, cr)
		if broken != nil && rep.Broken == nil {
			rep.Broken = broken
		}
	}
	return rep, nil
}

// verifyChain walks one chain in seq order, in pages to bound memory.
func (s *Store) verifyChain(ctx context.Context, h auditHead) (ChainReport, *BrokenLink, error) {
	cr := ChainReport{Chain: h.Chain, Head: h.Hash}
	prev := AuditEvent{Chain: h.Chain}
	for {
		var page []AuditEvent
		err := s.db.WithContext(ctx).Where("chain = ? AND seq > ?", h.Chain, prev.Seq).
			Order("seq").Limit(500).Find(&page).Error
		if err != nil {
			return cr, nil, translate(err)
		}
		for _, e := range page {
			if b := checkLink(prev, e); b != nil {
				return cr, b, nil
			}
			cr.Events++
			prev = e
		}
		if len(page) < 500 {
			break
		}
	}
	if prev.Seq != h.Seq || prev.Hash != h.Hash {
		return cr, &BrokenLink{Chain: h.Chain, Seq: h.Seq, EventID: prev.ID, Reason: "head does not match last event",
			Expected: fmt.Sprintf("seq %d hash %s", h.Seq, h.Hash), Stored: fmt.Sprintf("seq %d hash %s", prev.Seq, prev.Hash)}, nil
	}
	return cr, nil, nil
}

// checkLink tests e as the successor of prev.
func checkLink(prev, e AuditEvent) *BrokenLink {
	b := &BrokenLink{Chain: e.Chain, Seq: e.Seq, EventID: e.ID}
	switch {
	case e.Seq != prev.Seq+1:
		b.Reason, b.Expected, b.Stored = "missing event", fmt.Sprint("seq ", prev.Seq+1), fmt.Sprint("seq ", e.Seq)
		return b
	case e.PrevHash != prev.Hash:
		b.Reason, b.Expected, b.Stored = "prev_hash does not match the event before", prev.Hash, e.PrevHash
		return b
	}
	want, err := e.chainHash()
	if err != nil {
		b.Reason, b.Expected, b.Stored = "detail is not JSON", "valid JSON", string(e.Detail)
		return b
	}
	if want != e.Hash {
		b.Reason, b.Expected, b.Stored = "event altered", want, e.Hash
		return b
	}
	return nil
}
