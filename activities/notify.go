package activities

import (
	"context"

	"github.com/assistflow/assistflow/store"
)

// Sender delivers a notification. The in-app inbox is the default; an SMS
// or WeChat gateway implements the same method. Senders must be
// idempotent per NotificationKey: activities retry.
type Sender interface {
	Send(ctx context.Context, n store.Notification) error
}

// InApp stores notifications in the application database, where the
// inbox pages read them.
type InApp struct{ Store *store.Store }

// Send implements Sender.
func (s InApp) Send(ctx context.Context, n store.Notification) error { return s.Store.Notify(ctx, n) }

func (a *Activities) sender() Sender {
	if a.Sender != nil {
		return a.Sender
	}
	return InApp{Store: a.Store}
}
