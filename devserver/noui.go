//go:build noui

package devserver

// WebUIBuilt is false in a noui build. The Temporal Web UI
// (github.com/temporalio/ui-server) links github.com/labstack/echo/v4,
// which has known vulnerabilities with no fixed release; the production
// binary never serves the UI, so it is built without it and govulncheck
// finds nothing in it. `assistflow dev` still runs, without the UI.
const WebUIBuilt = false

// startUI only notes that the UI was asked for but is not in this build.
func startUI(o Options, _ string) (stopper, string) {
	o.Logger.Info("temporal ui not in this build", "build_tag", "noui", "ui_port", o.UIPort)
	return nil, ""
}
