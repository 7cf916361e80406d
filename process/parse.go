package process

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseError is a document that could not be decoded into a Definition. Field is the path
// of the offending field in Validate's notation ("stages[1].rol") when it could be found, so
// the API can point at it the same way it points at a validation problem; it is empty when
// the document is not well-formed at all.
type ParseError struct {
	Field   string
	Line    int // 1-based; 0 when unknown
	Message string
	Err     error // the decoder's own error
}

func (e *ParseError) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return "parse definition: " + msg
}

func (e *ParseError) Unwrap() error { return e.Err }

var utf8BOM = []byte("\xef\xbb\xbf")

// Parse decodes a definition written in JSON (the first non-space byte is '{') or YAML
// (anything else, so a YAML document must not start with a flow mapping).
// Unknown fields are refused rather than ignored: a misspelt "retrun_to" would otherwise
// silently change how cases flow. Parse checks only the shape of the document; Validate
// checks its meaning. The error is a *ParseError.
func Parse(doc []byte) (Definition, error) {
	doc = bytes.TrimPrefix(doc, utf8BOM)
	body := bytes.TrimLeft(doc, " \t\r\n")
	isJSON := len(body) > 0 && body[0] == '{'
	var d Definition
	var err error
	if isJSON {
		err = decodeJSON(doc, &d)
	} else {
		err = decodeYAML(doc, &d)
	}
	if err != nil {
		return Definition{}, explain(doc, isJSON, err)
	}
	if perr := checkFinite(d.Stages, "stages"); perr != nil {
		return Definition{}, perr
	}
	return d, nil
}

func decodeJSON(b []byte, d *Definition) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(d); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	return nil
}

func decodeYAML(b []byte, d *Definition) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(d); err != nil {
		if err == io.EOF {
			return errEmpty
		}
		return err
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		return errTrailing
	}
	return nil
}

var (
	errEmpty    = errors.New("empty document")
	errTrailing = errors.New("more than one document: only one definition per document")
)

// explain turns a decoder error into a ParseError, naming the field when the document is at
// least well-formed. Both decoders stop at or collect errors in their own ways and name a
// field by its Go type, not by its place in the document, so the document is walked again
// to find the first offending field in document order.
func explain(doc []byte, isJSON bool, err error) *ParseError {
	perr := &ParseError{Message: err.Error(), Err: err}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		perr.Line = 1 + bytes.Count(doc[:min(int(syn.Offset), len(doc))], []byte("\n"))
		return perr
	}
	var root yaml.Node
	if yaml.Unmarshal(doc, &root) != nil || len(root.Content) == 0 {
		return perr
	}
	if p, ok := findProblem(root.Content[0], definitionType, "", isJSON, 0); ok {
		p.Err = err
		return p
	}
	return perr
}

var (
	definitionType = reflect.TypeOf(Definition{})
	durationType   = reflect.TypeOf(Duration(""))
)

// maxWalkDepth bounds findProblem on hostile documents; a real definition is 5 levels deep.
const maxWalkDepth = 32

// findProblem returns the first node under n, in document order, that cannot decode into t:
// an unknown field, or a value of the wrong shape. isJSON follows encoding/json's strictness,
// which yaml.v3 lacks: YAML reads 15 into a string as "15" and 1.0 into an int as 1.
func findProblem(n *yaml.Node, t reflect.Type, path string, isJSON bool, depth int) (*ParseError, bool) {
	if depth > maxWalkDepth {
		return nil, false
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			msg := "must be a mapping of fields"
			if path == "" {
				msg = "a definition must be a mapping with key, program, name and stages"
			}
			return fieldProblem(n, path, msg), true
		}
		return findInMapping(n, t, path, isJSON, depth)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return fieldProblem(n, path, "must be a list"), true
		}
		for i, c := range n.Content {
			if perr, ok := findProblem(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), isJSON, depth+1); ok {
				return perr, true
			}
		}
	default:
		if msg := scalarProblem(n, t, isJSON); msg != "" {
			return fieldProblem(n, path, msg), true
		}
	}
	return nil, false
}

// findInMapping is findProblem for the fields of the struct type t.
func findInMapping(n *yaml.Node, t reflect.Type, path string, isJSON bool, depth int) (*ParseError, bool) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			continue // yaml.v3 resolves merges itself; the merged fields are checked where defined
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		f, ok := fieldByName(t, k.Value)
		if !ok {
			return fieldProblem(k, p, "unknown field (known: "+strings.Join(fieldNames(t), ", ")+")"), true
		}
		if perr, ok := findProblem(v, f.Type, p, isJSON, depth+1); ok {
			return perr, true
		}
	}
	return nil, false
}

// scalarProblem says what is wrong with n as a value of the scalar type t, or "".
func scalarProblem(n *yaml.Node, t reflect.Type, isJSON bool) string {
	tag := ""
	if n.Kind == yaml.ScalarNode {
		tag = n.Tag
	}
	switch {
	case t == durationType && tag != "!!str" && (isJSON || tag == ""):
		return `must be an ISO 8601 duration string such as "P5D"`
	case t.Kind() == reflect.String && (tag == "" || isJSON && tag != "!!str"):
		return "must be a string"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 && tag != "!!int" && (isJSON || tag != "!!float"):
		return "must be a whole number"
	case (t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64) && tag != "!!int" && tag != "!!float":
		return "must be a number"
	case t.Kind() == reflect.Bool && tag != "!!bool":
		return "must be true or false"
	}
	return ""
}

func fieldProblem(n *yaml.Node, path, msg string) *ParseError {
	return &ParseError{Field: path, Line: n.Line, Message: msg}
}

// fieldByName finds the struct field whose JSON name is name; the YAML names are the same.
func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); jsonName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func fieldNames(t reflect.Type) []string {
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if n := jsonName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// checkFinite refuses NaN and infinite approve shares, which YAML can spell (.nan, .inf) but
// JSON cannot, so every parsed Definition can be written back by JSON.
func checkFinite(stages []Stage, path string) *ParseError {
	for i, s := range stages {
		p := fmt.Sprintf("%s[%d]", path, i)
		if s.Quorum != nil && (math.IsNaN(s.Quorum.ApproveShare) || math.IsInf(s.Quorum.ApproveShare, 0)) {
			return &ParseError{Field: p + ".quorum.approve_share", Message: "must be a finite number"}
		}
		if perr := checkFinite(s.Branches, p+".branches"); perr != nil {
			return perr
		}
	}
	return nil
}

// JSON returns the canonical encoding of d: encoding/json's field order, no indentation,
// no HTML escaping (conditions are full of < and &), and an empty stage list as []. This is
// the form stored as a definition's published snapshot. Any Definition returned by Parse
// encodes; only one built by hand with a non-finite approve share cannot, and JSON panics
// on it because that is a programming error.
func (d Definition) JSON() []byte {
	if d.Stages == nil {
		d.Stages = []Stage{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		panic(fmt.Sprintf("process: encode definition %q: %v", d.Key, err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
