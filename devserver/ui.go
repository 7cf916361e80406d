//go:build !noui

package devserver

import (
	"fmt"
	"net"
	"strconv"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// WebUIBuilt reports whether this binary carries the Temporal Web UI. The
// default build does, for `assistflow dev`; the production build
// (-tags noui) leaves it out, see noui.go.
const WebUIBuilt = true

// startUI serves the Temporal Web UI on o.UIPort next to the frontend and
// returns it with its address.
func startUI(o Options, frontend string) (stopper, string) {
	ui := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                o.IP,
		Port:                o.UIPort,
		TemporalGRPCAddress: frontend,
		EnableUI:            true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
	}))
	go func() {
		// The UI server's Start blocks until Stop; an error here means the
		// port was taken, which only costs the UI, never the engine.
		if err := ui.Start(); err != nil {
			o.Logger.Warn("temporal ui stopped", "error", err)
		}
	}()
	return ui, fmt.Sprintf("http://%s", net.JoinHostPort(o.IP, strconv.Itoa(o.UIPort)))
}
