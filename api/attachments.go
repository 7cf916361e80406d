package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"unicode/utf8"

	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// Blobs stores attachment bytes; DiskBlobs in a data dir by default.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// MaxAttachment is the largest file accepted.
const MaxAttachment = 10 << 20

// allowedTypes are the sniffed content types accepted as evidence.
var allowedTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true,
	"image/webp": true, "application/pdf": true}

// uploadAttachment stores one multipart "file" for a case the caller may
// see. The type is sniffed from the bytes, never taken from the client.
func (s *Server) uploadAttachment(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return badField("file", "send the file as multipart/form-data field \"file\"")
	}
	a, created, err := s.attach(c.UserContext(), principal(c), cs, fh)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(a)
}

// attach checks and stores one uploaded file of a case; the API and the
// case page's upload form both store files through it.
func (s *Server) attach(ctx context.Context, p *Principal, cs store.Case, fh *multipart.FileHeader) (store.Attachment, bool, error) {
	if fh.Size > MaxAttachment {
		return store.Attachment{}, false, newProblem(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("file is larger than %d MB", MaxAttachment>>20))
	}
	name := filepath.Base(fh.Filename)
	if !utf8.ValidString(name) || len(name) > 200 {
		return store.Attachment{}, false, badField("file", "file name must be UTF-8 text of at most 200 bytes")
	}
	f, err := fh.Open()
	if err != nil {
		return store.Attachment{}, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAttachment+1))
	if err != nil {
		return store.Attachment{}, false, err
	}
	ctype := http.DetectContentType(data)
	if !allowedTypes[ctype] {
		return store.Attachment{}, false, newProblem(fiber.StatusUnsupportedMediaType, fmt.Sprintf("%s files are not accepted; send JPEG, PNG, GIF, WebP or PDF", ctype))
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	key := fmt.Sprintf("cases/%d/%s", cs.ID, digest)
	if err := s.cfg.Blobs.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return store.Attachment{}, false, err
	}
	return s.store.AddAttachment(ctx, store.Attachment{CaseID: cs.ID, UploadedBy: p.User.ID, Name: name,
		ContentType: ctype, Size: int64(len(data)), SHA256: digest, BlobKey: key})
}

func (s *Server) listAttachments(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	as, err := s.store.Attachments(c.UserContext(), cs.ID)
	if err != nil {
		return err
	}
	if as == nil {
		as = []store.Attachment{}
	}
	return c.JSON(fiber.Map{"items": as})
}

func (s *Server) downloadAttachment(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	aid, _ := strconv.ParseInt(c.Params("aid"), 10, 64)
	as, err := s.store.Attachments(c.UserContext(), cs.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.ID != aid {
			continue
		}
		rc, err := s.cfg.Blobs.Open(c.UserContext(), a.BlobKey)
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, a.ContentType)
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("attachment; filename*=UTF-8''%s", urlEscape(a.Name)))
		c.Set("X-Content-Type-Options", "nosniff")
		return c.Send(data)
	}
	return store.ErrNotFound
}

func urlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range []byte(s) {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '.' || r == '-' || r == '_' {
			b.WriteByte(r)
		} else {
			fmt.Fprintf(&b, "%%%02X", r)
		}
	}
	return b.String()
}
