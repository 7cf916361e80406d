package api

// applicantPages are the pages of applicants: apply, my cases, a case,
// the notice board.
func (s *Server) applicantPages() []pageRoute {
	return nil
}
