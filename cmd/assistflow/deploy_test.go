package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestK8sDeployments: each Deployment runs a pinned image as non-root on a
// read-only root, with resources, probes on /healthz and /readyz at the
// port the process listens on, only variables the binary reads, and
// secrets from Secrets.
func TestK8sDeployments(t *testing.T) {
	docs := k8sDocs(t)
	deployments := byKind(docs, "Deployment")
	require.Contains(t, deployments, "assistflow-api")
	require.Contains(t, deployments, "assistflow-worker")
	listenVar := map[string]string{"assistflow-api": "ASSISTFLOW_HTTP_ADDR", "assistflow-worker": "ASSISTFLOW_HEALTH_ADDR"}
	command := map[string]string{"assistflow-api": "serve", "assistflow-worker": "worker"}
	for name, d := range deployments {
		t.Run(name, func(t *testing.T) {
			pod := d.Spec.Template
			require.True(t, pod.Spec.SecurityContext.RunAsNonRoot)
			match := map[string]string{}
			for k, v := range d.Spec.Selector["matchLabels"].(map[string]any) {
				match[k] = fmt.Sprint(v)
			}
			requireSubset(t, match, pod.Metadata.Labels, "the selector matches the pods")
			require.Len(t, pod.Spec.Containers, 1)
			c := pod.Spec.Containers[0]
			requirePinned(t, c.Image)
			require.Equal(t, []string{command[name]}, c.Args)
			require.True(t, c.SecurityContext.ReadOnlyRootFilesystem)
			require.False(t, c.SecurityContext.AllowPrivilegeEscalation)
			require.NotEmpty(t, c.Resources.Requests["cpu"], "the HPA scales on CPU requests")
			require.NotEmpty(t, c.Resources.Limits["memory"])
			listen := ""
			for _, e := range c.Env {
				requireKnownEnv(t, name, e.Name)
				if isSecret(e.Name) {
					require.Empty(t, e.Value, "%s must not be a literal", e.Name)
					require.NotNil(t, e.ValueFrom, e.Name)
					require.NotNil(t, e.ValueFrom.SecretKeyRef, "%s comes from a Secret", e.Name)
				}
				if e.Name == listenVar[name] {
					listen = e.Value
				}
			}
			require.NotEmpty(t, listen, "%s sets %s", name, listenVar[name])
			port := portOf(t, listen)
			require.Len(t, c.Ports, 1)
			require.Equal(t, port, fmt.Sprint(c.Ports[0].ContainerPort), "containerPort is the listen port")
			require.NotNil(t, c.LivenessProbe)
			require.NotNil(t, c.ReadinessProbe)
			require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
			require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
			require.Equal(t, port, fmt.Sprint(c.LivenessProbe.HTTPGet.Port))
			require.Equal(t, port, fmt.Sprint(c.ReadinessProbe.HTTPGet.Port))
		})
	}
	requireSecretsRequired(t, deployments)
}

// requireSecretsRequired: the API gets its database and token secret from
// the Secret; the worker its database.
func requireSecretsRequired(t *testing.T, deployments map[string]k8sDoc) {
	t.Helper()
	want := map[string][]string{"assistflow-api": {"ASSISTFLOW_DATABASE", "ASSISTFLOW_JWT_SECRET"},
		"assistflow-worker": {"ASSISTFLOW_DATABASE"}}
	for name, vars := range want {
		var got []string
		for _, e := range deployments[name].Spec.Template.Spec.Containers[0].Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				got = append(got, e.Name)
			}
		}
		for _, v := range vars {
			require.Contains(t, got, v, name)
		}
	}
}

// TestK8sServiceHPAConfigAndJobs: the Service reaches the API's port, each
// HPA targets an existing Deployment, the ConfigMap holds only known,
// non-secret variables, no Secret values are committed, and the Jobs run
// the idempotent one-shot commands with pinned images.
func TestK8sServiceHPAConfigAndJobs(t *testing.T) {
	docs := k8sDocs(t)
	deployments := byKind(docs, "Deployment")
	api := deployments["assistflow-api"]
	svc := byKind(docs, "Service")["assistflow-api"]
	sel := map[string]string{}
	for k, v := range svc.Spec.Selector {
		sel[k] = fmt.Sprint(v)
	}
	requireSubset(t, sel, api.Spec.Template.Metadata.Labels, "the Service selects the API pods")
	require.Len(t, svc.Spec.Ports, 1)
	require.Equal(t, api.Spec.Template.Spec.Containers[0].Ports[0].Name, svc.Spec.Ports[0].TargetPort)

	hpas := byKind(docs, "HorizontalPodAutoscaler")
	targets := map[string]bool{}
	for name, h := range hpas {
		require.Equal(t, "Deployment", h.Spec.ScaleTargetRef.Kind, name)
		require.Contains(t, deployments, h.Spec.ScaleTargetRef.Name, "%s targets a Deployment that exists", name)
		require.GreaterOrEqual(t, h.Spec.MinReplicas, 2, "%s keeps two replicas through a node loss", name)
		targets[h.Spec.ScaleTargetRef.Name] = true
	}
	require.True(t, targets["assistflow-api"] && targets["assistflow-worker"], "both scale")

	cms := byKind(docs, "ConfigMap")
	require.Contains(t, cms, "assistflow")
	for k := range cms["assistflow"].Data {
		requireKnownEnv(t, "configmap", k)
		require.False(t, isSecret(k), "%s belongs in the Secret", k)
	}
	require.Empty(t, byKind(docs, "Secret"), "secret values are never committed; the operator creates them")

	jobs := byKind(docs, "Job")
	want := map[string][]string{"assistflow-migrate": {"migrate", "up"}, "assistflow-temporal-setup": {"temporal", "setup"}}
	for name, args := range want {
		require.Contains(t, jobs, name)
		c := jobs[name].Spec.Template.Spec.Containers[0]
		requirePinned(t, c.Image)
		require.Equal(t, args, c.Args[:2])
		require.True(t, jobs[name].Spec.Template.Spec.SecurityContext.RunAsNonRoot)
		for _, e := range c.Env {
			requireKnownEnv(t, name, e.Name)
			require.Empty(t, e.Value, "%s: %s", name, e.Name)
		}
	}
}

// composeFile is the part of docker-compose.yml the test reads.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// TestCompose: every service has a pinned image; assistflow's variables
// are ones it reads, its JWT secret comes from the caller's environment,
// and serve and worker have healthchecks on /readyz at their listen port.
func TestCompose(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deployDir, "docker-compose.yml"))
	require.NoError(t, err)
	var cf composeFile
	require.NoError(t, yaml.Unmarshal(raw, &cf))
	for _, svc := range []string{"postgres", "temporal", "temporal-ui", "assistflow-migrate", "assistflow-temporal-setup",
		"assistflow-serve", "assistflow-worker"} {
		require.Contains(t, cf.Services, svc)
	}
	for name, s := range cf.Services {
		require.NotEmpty(t, s.Image, name)
		requirePinned(t, s.Image)
		for k, v := range s.Environment {
			requireKnownEnv(t, name, k)
			if k == "ASSISTFLOW_JWT_SECRET" {
				require.Regexp(t, `^\$\{ASSISTFLOW_JWT_SECRET:\?`, v, "the secret comes from the caller, required")
			}
		}
	}
	for name, addrVar := range map[string]string{"assistflow-serve": "ASSISTFLOW_HTTP_ADDR", "assistflow-worker": "ASSISTFLOW_HEALTH_ADDR"} {
		s := cf.Services[name]
		require.NotNil(t, s.Healthcheck, name)
		port := portOf(t, s.Environment[addrVar])
		require.Equal(t, []string{"CMD", "/usr/local/bin/assistflow", "probe", "http://127.0.0.1:" + port + "/readyz"},
			s.Healthcheck.Test, name)
	}
	require.Equal(t, []string{"127.0.0.1:8080:8080"}, cf.Services["assistflow-serve"].Ports)
}

// TestDockerfile: multi-stage, a static binary (CGO off, -trimpath, Go
// 1.27.3, without the Web UI), and a distroless final image that runs as
// nonroot and exposes the API port.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	require.NoError(t, err)
	text := string(raw)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	require.GreaterOrEqual(t, len(froms), 2, "multi-stage")
	for _, f := range froms {
		if !strings.Contains(f[1], "/") && !strings.Contains(f[1], ":") {
			continue // a previous stage by name
		}
		requirePinned(t, f[1])
	}
	require.Regexp(t, `^golang:1\.26`, froms[0][1])
	require.Contains(t, text, "CGO_ENABLED=0")
	require.Contains(t, text, "-trimpath")
	// The shipped binary is the one `make vulncheck` scans with no finding
	// accepted: Go 1.27.3 and no Temporal Web UI.
	require.Regexp(t, `(?m)^ENV .*\bGOTOOLCHAIN=go1\.27\.3\b`, text)
	require.Regexp(t, `(?m)^RUN go build .*-tags noui .*\./cmd/assistflow`, text)
	final := text[strings.LastIndex(text, "\nFROM "):]
	require.Regexp(t, `^\nFROM gcr\.io/distroless/static[^ \n]*:nonroot\n`, final)
	require.Contains(t, final, "\nUSER nonroot")
	require.Contains(t, final, "\nEXPOSE 8080\n")
	require.Contains(t, final, "ASSISTFLOW_HTTP_ADDR=0.0.0.0:8080")
	require.Contains(t, final, `ENTRYPOINT ["/usr/local/bin/assistflow"]`)
	for _, v := range regexp.MustCompile(`ASSISTFLOW_[A-Z_]+`).FindAllString(final, -1) {
		requireKnownEnv(t, "Dockerfile", v)
	}
}
