package api

// approverPages are the pages of officials: the inbox, the case review
// page, claiming and deciding tasks, county batch approval.
func (s *Server) approverPages() []pageRoute {
	return nil
}
