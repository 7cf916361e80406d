package process

import (
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"
)

// builtinFiles are the definitions shipped with the product, one per file named after its
// key. They are compiled in so a fresh installation can take cases before an administrator
// has written anything, and so the tests can prove every one of them valid.
//
//go:embed builtin/*.yaml
var builtinFiles embed.FS

// LoadBuiltins parses and validates the built-in definitions and returns them sorted by key.
// It fails only if the embedded files are broken, which the tests rule out.
func LoadBuiltins() ([]Definition, error) {
	entries, err := builtinFiles.ReadDir("builtin")
	if err != nil {
		return nil, fmt.Errorf("built-in definitions: %w", err)
	}
	defs := make([]Definition, 0, len(entries))
	for _, e := range entries {
		name := path.Join("builtin", e.Name())
		doc, err := builtinFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("built-in definition %s: %w", name, err)
		}
		d, err := Parse(doc)
		if err != nil {
			return nil, fmt.Errorf("built-in definition %s: %w", name, err)
		}
		if err := Validate(d).Err(); err != nil {
			return nil, fmt.Errorf("built-in definition %s: %w", name, err)
		}
		if want := strings.TrimSuffix(e.Name(), ".yaml"); d.Key != want {
			return nil, fmt.Errorf("built-in definition %s: key %q, want %q (the file name)", name, d.Key, want)
		}
		defs = append(defs, d)
	}
	slices.SortFunc(defs, func(a, b Definition) int { return strings.Compare(a.Key, b.Key) })
	return defs, nil
}

// Builtins returns the built-in definitions sorted by key. It panics only if the embedded
// files are broken: a build defect that TestBuiltins catches, not a runtime condition.
// Each call returns fresh copies, so a caller may change what it gets.
func Builtins() []Definition {
	defs, err := LoadBuiltins()
	if err != nil {
		panic(err)
	}
	return defs
}
