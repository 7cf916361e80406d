package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSetMaxConns: the cap a process sets is the pool's; zero keeps the
// default, so many processes can share one PostgreSQL server.
func TestSetMaxConns(t *testing.T) {
	st := openTestStore(t)
	before := st.SQL().Stats().MaxOpenConnections
	require.Positive(t, before)
	st.SetMaxConns(0)
	require.Equal(t, before, st.SQL().Stats().MaxOpenConnections)
	st.SetMaxConns(3)
	require.Equal(t, 3, st.SQL().Stats().MaxOpenConnections)
}
