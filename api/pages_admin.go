package api

// adminPages are the administrators' pages (users, grants, definitions).
// They are built on this foundation separately; see api/web/README.md.
func (s *Server) adminPages() []pageRoute {
	return nil
}
