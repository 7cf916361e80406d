package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The deployment files are checked here because no container engine runs
// in CI: what would break a rollout (a wrong port, a probe on the wrong
// path, an env var the binary does not read, a secret in plain text) is
// visible in the files themselves.

const deployDir = "../../deploy"

// secretVars must come from a Secret, never from a literal.
var secretVars = []string{"ASSISTFLOW_DATABASE", "ASSISTFLOW_JWT_SECRET", "ASSISTFLOW_TEMPORAL_API_KEY"}

type k8sDoc struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Selector       map[string]any `yaml:"selector"`
		Ports          []k8sPort      `yaml:"ports"`
		Template       podTemplate    `yaml:"template"`
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int `yaml:"minReplicas"`
	} `yaml:"spec"`
}

type podTemplate struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		SecurityContext struct {
			RunAsNonRoot bool `yaml:"runAsNonRoot"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
	} `yaml:"spec"`
}

type k8sPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	TargetPort    any    `yaml:"targetPort"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name           string    `yaml:"name"`
	Image          string    `yaml:"image"`
	Args           []string  `yaml:"args"`
	Ports          []k8sPort `yaml:"ports"`
	LivenessProbe  *probe    `yaml:"livenessProbe"`
	ReadinessProbe *probe    `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
	} `yaml:"securityContext"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
}

// k8sDocs parses every document of every manifest.
func k8sDocs(t *testing.T) []k8sDoc {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var docs []k8sDoc
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var d k8sDoc
			err := dec.Decode(&d)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, f)
			require.NotEmpty(t, d.Kind, "%s: a document without a kind", f)
			docs = append(docs, d)
		}
	}
	return docs
}

func byKind(docs []k8sDoc, kind string) map[string]k8sDoc {
	out := map[string]k8sDoc{}
	for _, d := range docs {
		if d.Kind == kind {
			out[d.Metadata.Name] = d
		}
	}
	return out
}

// requirePinned: an image names a tag (or digest), never latest.
func requirePinned(t *testing.T, image string) {
	t.Helper()
	name := image[strings.LastIndex(image, "/")+1:]
	require.True(t, strings.Contains(name, ":") || strings.Contains(name, "@sha256:"), "image %s has no tag", image)
	require.NotContains(t, name, ":latest", "image %s", image)
}

// requireKnownEnv: the binary reads every ASSISTFLOW_* variable named.
func requireKnownEnv(t *testing.T, where, name string) {
	t.Helper()
	if strings.HasPrefix(name, config.EnvPrefix) {
		require.Contains(t, config.EnvNames(), name, "%s sets %s, which assistflow does not read", where, name)
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err, addr)
	return port
}

func requireSubset(t *testing.T, small map[string]string, big map[string]string, msg string) {
	t.Helper()
	for k, v := range small {
		require.Equal(t, v, big[k], msg)
	}
	require.NotEmpty(t, small, msg)
}

func isSecret(name string) bool { return slices.Contains(secretVars, name) }
