package httpapi

// routes lists every route of the API. Creates take Idempotency-Key.
func (s *Server) routes() {
	const v1 = "/api/v1"
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.handle("GET /metrics", s.metrics)
	s.handle("GET "+v1+"/openapi.json", s.openapi)

	s.handle("POST "+v1+"/auth/register", s.register)
	s.handle("POST "+v1+"/auth/login", s.login)
	s.handle("POST "+v1+"/auth/logout", s.authed(s.logout))
	s.handle("GET "+v1+"/me", s.authed(s.me))
	s.handle("PATCH "+v1+"/me", s.authed(s.updateMe))
	s.handle("POST "+v1+"/admin/users", s.authed(s.idempotent(s.createUser)))

	s.handle("POST "+v1+"/venues", s.authed(s.idempotent(s.createVenue)))
	s.handle("GET "+v1+"/venues", s.listVenues)
	s.handle("GET "+v1+"/venues/{id}", s.getVenue)
	s.handle("GET "+v1+"/venues/{id}/events", s.venueEvents)
	if s.Places != nil {
		s.handle("GET "+v1+"/places", s.listPlaces)
	}

	s.handle("POST "+v1+"/events", s.authed(s.idempotent(s.createEvent)))
	s.handle("GET "+v1+"/events", s.listEvents)
	s.handle("GET "+v1+"/events/{id}", s.getEvent)
	s.handle("PATCH "+v1+"/events/{id}", s.authed(s.updateEvent))
	s.handle("POST "+v1+"/events/{id}/cancel", s.authed(s.cancelEvent))
	s.handle("GET "+v1+"/events/{id}/seats", s.seatMap)
	s.handle("GET "+v1+"/events/{id}/offers", s.offers)

	s.handle("GET "+v1+"/events/{id}/queue", s.queueInfo)
	s.handle("POST "+v1+"/events/{id}/queue", s.authed(s.idempotent(s.joinQueue)))
	s.handle("GET "+v1+"/events/{id}/queue/challenge", s.authed(s.queueChallenge))
	s.handle("GET "+v1+"/events/{id}/queue/draw", s.queueDraw)
	s.handle("GET "+v1+"/events/{id}/queue/{token}", s.queueStatus)
	s.handle("GET "+v1+"/events/{id}/queue/{token}/stream", s.queueStream)

	s.handle("POST "+v1+"/events/{id}/holds", s.authed(s.idempotent(s.createHold)))
	s.handle("GET "+v1+"/holds/{id}", s.authed(s.getHold))
	s.handle("DELETE "+v1+"/holds/{id}", s.authed(s.releaseHold))

	s.handle("POST "+v1+"/orders", s.authed(s.idempotent(s.createOrder)))
	s.handle("GET "+v1+"/orders/{id}", s.authed(s.getOrder))
	s.handle("GET "+v1+"/me/orders", s.authed(s.myOrders))
	s.handle("POST "+v1+"/orders/{id}/refund", s.authed(s.idempotent(s.refundOrder)))

	s.handle("GET "+v1+"/me/tickets", s.authed(s.myTickets))
	s.handle("GET "+v1+"/tickets/{id}", s.authed(s.getTicket))
	s.handle("POST "+v1+"/checkins", s.authed(s.checkIn))
	s.handle("GET "+v1+"/events/{id}/checkins", s.authed(s.checkinCount))
	if s.Wallet != nil {
		s.handle("GET "+v1+"/tickets/{id}/pass.pkpass", s.authed(s.applePass))
		s.handle("GET "+v1+"/tickets/{id}/google-wallet", s.authed(s.googleWallet))
	}

	s.handle("GET "+v1+"/admin/events/{id}/sales", s.authed(s.sales))
	if s.Notify != nil {
		s.handle("GET "+v1+"/admin/notifications", s.authed(s.notifications))
		s.handle("POST "+v1+"/admin/notifications/{id}/retry", s.authed(s.retryNotification))
	}

	s.handle(v1+"/", s.notFound)
	// Paths under /api/ outside the version: a problem document too, and
	// one route label for all of them rather than none.
	s.handle("/api/", s.notFound)
}
