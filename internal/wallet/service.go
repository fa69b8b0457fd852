// Package wallet turns a ticket into phone-wallet passes: an Apple Wallet
// event ticket (a signed .pkpass) and a "Save to Google Wallet" link (a
// signed JWT). Both carry the ticket's barcode exactly as the gate scans
// it, so a pass is only another way to show the same ticket.
//
// Passes are made when asked for, never stored: a pass is a view of the
// ticket, and the ticket stays the one record the gate checks.
package wallet

import (
	"context"
	"errors"
	"net/url"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/clock"
)

// Tickets is where the wallet reads a ticket with its event; booking's
// Service is one.
type Tickets interface {
	Ticket(ctx context.Context, by account.User, id string) (booking.Ticket, error)
}

// Service makes the passes of a buyer's tickets.
type Service struct {
	tickets Tickets
	apple   *AppleSigner
	google  *GoogleSigner
	clock   clock.Clock
}

// NewService builds the wallet from its two signers.
func NewService(tickets Tickets, apple *AppleSigner, google *GoogleSigner, clk clock.Clock) (*Service, error) {
	if tickets == nil || apple == nil || google == nil || clk == nil {
		return nil, errors.New("wallet: tickets, both signers and a clock are required")
	}
	return &Service{tickets: tickets, apple: apple, google: google, clock: clk}, nil
}

// Apple is the pass signer, for tests that verify what it signed.
func (s *Service) Apple() *AppleSigner { return s.apple }

// Google is the JWT signer, for tests that verify what it signed.
func (s *Service) Google() *GoogleSigner { return s.google }

// ownTicket reads a valid ticket of by's own. Unlike the ticket page,
// an organizer gets no pass for someone else's ticket: a pass is for the
// phone of the holder, and anyone else is told it does not exist.
func (s *Service) ownTicket(ctx context.Context, by account.User, id string) (booking.Ticket, error) {
	t, err := s.tickets.Ticket(ctx, by, id)
	if err != nil {
		return booking.Ticket{}, err
	}
	if t.UserID != by.ID {
		return booking.Ticket{}, apperr.E(apperr.NotFound, "no such ticket")
	}
	if t.Status != booking.TicketValid {
		return booking.Ticket{}, apperr.E(apperr.Conflict, "this ticket is void (refunded or cancelled): it has no wallet pass")
	}
	if t.Event == nil {
		return booking.Ticket{}, errors.New("wallet: ticket without its event")
	}
	return t, nil
}

// ApplePass returns the signed .pkpass of one of by's valid tickets.
func (s *Service) ApplePass(ctx context.Context, by account.User, id string) ([]byte, error) {
	t, err := s.ownTicket(ctx, by, id)
	if err != nil {
		return nil, err
	}
	return s.apple.Pass(t)
}

// GoogleSaveURL returns the "Save to Google Wallet" link of one of by's
// valid tickets. The JWT is signed when asked for, so it is fresh and
// only ever handed to the ticket's holder.
func (s *Service) GoogleSaveURL(ctx context.Context, by account.User, id string) (string, error) {
	t, err := s.ownTicket(ctx, by, id)
	if err != nil {
		return "", err
	}
	jwt, err := s.google.SaveJWT(t, s.clock.Now())
	if err != nil {
		return "", err
	}
	return GoogleSaveBase + url.PathEscape(jwt), nil
}

// GoogleSaveBase is where a signed save-to-wallet JWT is handed to Google.
const GoogleSaveBase = "https://pay.google.com/gp/v/save/"
